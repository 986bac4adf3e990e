//! `csctl sign COMMAND [name=value]...`: the signed query string, sent nowhere.

use super::{connect, print_stdout, resolve_client_config};
use crate::cli::{GlobalArgs, SignArgs};
use crate::client::{params, Signer};
use crate::error::Error;

/// Stands in for the endpoint when none is given: resolving the
/// configuration requires one, signing does not use it (the signer is built
/// from the credentials alone).
const PLACEHOLDER_ENDPOINT: &str = "http://localhost/client/api";

/// Prints the exact form-encoded parameters a call would send, signature included.
pub async fn run(global: &GlobalArgs, args: &SignArgs) -> Result<(), Error> {
    let params = params::parse_assignments(&args.params)?;
    let query = if args.target.sim {
        // The simulator's own credentials.
        let target = connect(global, &args.target).await?;
        target.client.signed_query(&args.command, &params)?
    } else {
        let mut global = global.clone();
        if global.endpoint.is_none() {
            global.endpoint = Some(PLACEHOLDER_ENDPOINT.into());
        }
        let signer = Signer::from_config(&resolve_client_config(&global)?)?;
        signer.signed_query(&args.command, &params)?
    };
    print_stdout(&format!("{query}\n"))
}
