//! `csctl sign COMMAND [name=value]...`: the signed query string, sent nowhere.

use super::{connect, overrides, print_stdout};
use crate::cli::{GlobalArgs, SignArgs};
use crate::error::Error;
use csctl::client::{self, Signer};
use csctl::config::{self, Sources};

/// Prints the exact form-encoded parameters a call would send, signature included.
pub async fn run(global: &GlobalArgs, args: &SignArgs) -> Result<(), Error> {
    let params = client::parse_assignments(&args.params)?;
    let query = if args.target.sim {
        // The simulator's own credentials.
        let target = connect(global, &args.target).await?;
        target.client.signed_query(&args.command, &params)?
    } else {
        // Signing needs the credentials only, not an endpoint.
        let settings = config::resolve_signing(&overrides(global), &Sources::from_process())?;
        for warning in &settings.warnings {
            crate::error::write_stderr(&format!("csctl: warning: {warning}"));
        }
        let signer = Signer::new(
            &settings.credentials,
            settings.signature_algorithm,
            settings.expires,
        )?;
        signer.signed_query(&args.command, &params)?
    };
    print_stdout(&format!("{query}\n"))
}
