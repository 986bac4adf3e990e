//! `csctl keys show|create|rotate [--save]`: the logged-in user's API keys
//! (`getUserKeys`, `registerUserKeys`), inside the session `csctl login`
//! saved; `--save` puts them in the profile (see [`super::save_keys`]).

use csctl::client::{Client, Params};
use serde_json::Value;

use crate::cli::{GlobalArgs, KeysAction, KeysArgs};
use crate::error::Error;

/// `csctl keys`.
pub async fn run(global: &GlobalArgs, args: &KeysArgs) -> Result<(), Error> {
    let (config, profile, saved) = super::login::require_session(global)?;
    let endpoint = config.endpoint.clone();
    let client = Client::new(config)?;
    let session = super::login::login_session(&saved);
    let mut params = Params::new();
    params.set("id", saved.userid.as_str());
    let current = client
        .session_call(&session, "getUserKeys", &params)
        .await?;
    let current = keys_of(&current);
    let keys = match args.action {
        KeysAction::Show => current,
        KeysAction::Create if current.is_some() => {
            return Err(Error::Usage(format!(
                "`{}` has API keys already; `csctl keys rotate` replaces them (the old ones stop working)",
                saved.username
            )))
        }
        KeysAction::Create | KeysAction::Rotate => {
            let made = client
                .session_call(&session, "registerUserKeys", &params)
                .await?;
            keys_of(&made)
        }
    };
    let Some((api_key, secret_key)) = keys else {
        return super::print_stdout(&format!(
            "`{}` has no API keys; `csctl keys create` makes a pair.\n",
            saved.username
        ));
    };
    csctl::client::trace::remember_secret(&secret_key);
    let shown_secret = if args.reveal {
        secret_key.clone()
    } else {
        "(hidden; --reveal prints it, --save stores it)".to_string()
    };
    let mut text = format!(
        "user:       {} (account {})\napi key:    {api_key}\nsecret key: {shown_secret}\n",
        saved.username, saved.account
    );
    if args.save {
        let note = super::save_keys::save(global, &profile, &endpoint, &api_key, &secret_key)?;
        text.push_str(&note);
    }
    // With --reveal, the secret key is printed on purpose: stdout only.
    super::print_stdout(&text)
}

/// The keys of a `userkeys` answer, when it has some.
fn keys_of(answer: &Value) -> Option<(String, String)> {
    let keys = answer.get("userkeys").unwrap_or(answer);
    let api_key = keys.get("apikey")?.as_str()?.to_string();
    let secret_key = keys.get("secretkey")?.as_str()?.to_string();
    (!api_key.is_empty() && !secret_key.is_empty()).then_some((api_key, secret_key))
}
