//! The network floor of the call-overhead benchmark: the same pre-signed
//! request csctl sends for `api("listZones")`, written `--n` times (default
//! 2,000) over one keep-alive connection with a blocking `TcpStream`, each
//! answer read whole before the next request.
//!
//! ```text
//! cargo bench --bench raw_loop -- --endpoint http://127.0.0.1:18080/client/api --n 2000
//! ```
//!
//! Prints `raw n=N total_s=T per_call_us=U` (the same shape as
//! `bench/listzones_2000.rhai`). One request is sent before timing starts,
//! as the script does, so connecting is not counted.

// A measurement report for the person running it, not csctl output.
#![allow(clippy::disallowed_macros)]

mod common;

use std::time::Instant;

fn main() {
    let options = common::Options::from_args();
    let n = options.number("n", 2000);
    let request = common::presigned_request(&options);
    let target = common::parse_endpoint(&options.endpoint);
    let mut connection = common::Connection::open(&target.host_port).expect("connect");
    let status = connection.exchange(&request).expect("first request");
    assert_eq!(status, 200, "the pre-signed request was refused");
    let started = Instant::now();
    for _ in 0..n {
        let status = connection.exchange(&request).expect("request");
        if status != 200 {
            panic!("HTTP {status}");
        }
    }
    let total = started.elapsed().as_secs_f64();
    println!(
        "raw n={n} total_s={total:.6} per_call_us={:.3}",
        total * 1e6 / n as f64
    );
}
