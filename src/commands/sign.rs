//! `csctl sign COMMAND [name=value]...`: the signed query string, sent nowhere.

use super::{connect, print_stdout};
use crate::cli::{GlobalArgs, SignArgs};
use crate::client::{http::encode_form, params};
use crate::error::Error;

/// Placeholder endpoint: signing does not depend on the endpoint, so `sign`
/// works with credentials alone.
const UNUSED_ENDPOINT: &str = "http://localhost/client/api";

/// Prints the exact form-encoded parameters a call would send, signature included.
pub async fn run(global: &GlobalArgs, args: &SignArgs) -> Result<(), Error> {
    let params = params::parse_assignments(&args.params)?;
    let mut global = global.clone();
    if !args.target.sim && global.endpoint.is_none() {
        global.endpoint = Some(UNUSED_ENDPOINT.into());
    }
    let target = connect(&global, &args.target).await?;
    let pairs = target.client.signed_pairs(&args.command, &params)?;
    print_stdout(&format!("{}\n", encode_form(&pairs)))
}
