//! Load generator for the simulator-throughput target: `--connections`
//! keep-alive connections (default 8), each on its own thread, send the same
//! pre-signed request (default `listZones`, signed 10 minutes ahead) back to
//! back for `--seconds` (default 5, at most 60), after a one-second warm-up.
//!
//! ```text
//! cargo bench --bench sim_load -- --endpoint http://127.0.0.1:18080/client/api \
//!     --connections 8 --seconds 5 [--command listZones] [--method get]
//! ```
//!
//! Prints `simload connections=C seconds=S requests=R rps=X errors=E`. The
//! load generator runs on the same two cores as the simulator, so the figure
//! is the throughput of the pair; the generator's own CPU share is printed
//! too (`client_cpu_s`) so that the simulator's share can be told apart.
//! Loopback only, bounded in time: it stops by itself.

// A measurement report for the person running it, not csctl output.
#![allow(clippy::disallowed_macros)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let options = common::Options::from_args();
    let connections = options.number("connections", 8).max(1);
    let seconds = options.number("seconds", 5).clamp(1, 60);
    let request = Arc::new(common::presigned_request(&options));
    let target = common::parse_endpoint(&options.endpoint);
    assert!(
        target.host_port.starts_with("127.") || target.host_port.starts_with("localhost"),
        "sim_load sends traffic to loopback addresses only"
    );

    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let cpu_before = process_cpu_seconds();
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let (request, counting, stop, done, errors) = (
                request.clone(),
                counting.clone(),
                stop.clone(),
                done.clone(),
                errors.clone(),
            );
            let host_port = target.host_port.clone();
            std::thread::spawn(move || {
                let mut connection = common::Connection::open(&host_port).expect("connect");
                while !stop.load(Ordering::Relaxed) {
                    match connection.exchange(&request) {
                        Ok(200) if counting.load(Ordering::Relaxed) => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(200) => {}
                        Ok(_) | Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            connection = common::Connection::open(&host_port).expect("reconnect");
                        }
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    counting.store(true, Ordering::SeqCst);
    let started = Instant::now();
    let cpu_start = process_cpu_seconds();
    std::thread::sleep(Duration::from_secs(seconds));
    let requests = done.load(Ordering::SeqCst);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu_start;
    stop.store(true, Ordering::SeqCst);
    for thread in threads {
        let _ = thread.join();
    }
    let _ = cpu_before;
    println!(
        "simload connections={connections} seconds={elapsed:.3} requests={requests} rps={:.0} errors={} client_cpu_s={cpu:.3}",
        requests as f64 / elapsed,
        errors.load(Ordering::SeqCst)
    );
}

/// User plus system CPU time of this process so far, from `/proc/self/stat`
/// (0 where that file does not exist).
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start after ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}
