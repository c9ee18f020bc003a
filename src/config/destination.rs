//! `[[destination]]`: where status updates go. Webhook URLs are secrets and only come from the
//! environment.

use super::raw::RawDestination;
use super::reader::Reader;
use crate::act::Destination;
use crate::core::diag::SourceError;
use crate::core::secret::Secret;

/// One destination, its secrets read and the whole checked.
pub(super) fn destination(
    r: &mut Reader<'_>,
    d: RawDestination,
) -> Result<Destination, SourceError> {
    let kind = d.kind.get_ref().trim().to_ascii_lowercase();
    let here = d.kind.span().start;
    let dest = match kind.as_str() {
        "file" => match &d.path {
            Some(p) => Destination::File(r.path(p)),
            None => {
                return Err(r.at(
                    here,
                    "a file destination needs `path = \"status-updates.md\"`".into(),
                ));
            }
        },
        "clipboard" => Destination::Clipboard,
        "slack" | "webhook" => webhook(r, &kind, here, d)?,
        other => {
            return Err(r.at(
                here,
                format!(
                    "unknown destination kind `{other}`: use file, clipboard, slack or webhook"
                ),
            ));
        }
    };
    // A command that only records (`note`, `mark`) read an unset URL as empty: nothing is sent,
    // and "not a valid URL" would blame the config for a variable of another shell.
    if !r.optional_secrets {
        dest.validate().map_err(|e| r.at(here, e.to_string()))?;
    }
    Ok(dest)
}

fn webhook(
    r: &mut Reader<'_>,
    kind: &str,
    here: usize,
    d: RawDestination,
) -> Result<Destination, SourceError> {
    let Some(url) = d.url else {
        return Err(r.at(
            here,
            format!(
                "a {kind} destination needs `url = {{ env = \"SLACK_WEBHOOK_URL\" }}` (the URL is a secret: keep it in the environment)"
            ),
        ));
    };
    let (url, from_env) = r.secret(url, &format!("the {kind} url"))?;
    if !from_env {
        return Err(r.at(
            here,
            format!(
                "the {kind} url is written in the file; webhook URLs are secrets: use `url = {{ env = \"NAME\" }}`"
            ),
        ));
    }
    let url = Secret::new(url);
    if kind == "slack" {
        return Ok(Destination::Slack { url });
    }
    let mut headers = Vec::new();
    for (k, v) in d.headers {
        let (v, _) = r.secret(v, &format!("header `{k}`"))?;
        headers.push((k, Secret::new(v)));
    }
    Ok(Destination::Webhook { url, headers })
}
