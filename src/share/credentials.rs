//! S3 credentials from an AWS profile (SSO, assumed roles, `credential_process`), which
//! `object_store` does not read: the aws CLI resolves the profile
//! (`aws configure export-credentials --profile P --format process`) and sitrep keeps the result
//! until five minutes before it expires.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use object_store::CredentialProvider;
use object_store::aws::AwsCredential;

/// Credentials are fetched again this long before they expire.
const REFRESH_BEFORE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
/// How long the aws CLI may take (an SSO token refresh goes over the network).
const CLI_TIMEOUT: Duration = Duration::from_secs(30);

/// An AWS profile's credentials through the aws CLI.
#[derive(Debug)]
pub struct AwsProfile {
    profile: String,
    aws: String,
    held: tokio::sync::Mutex<Option<Held>>,
}

/// Credentials and when they expire (never, for long-lived keys).
type Held = (Arc<AwsCredential>, Option<DateTime<Utc>>);

impl AwsProfile {
    /// The credentials of `profile`, through the `aws` program on the PATH.
    pub fn new(profile: &str) -> AwsProfile {
        AwsProfile {
            profile: profile.to_string(),
            aws: "aws".to_string(),
            held: tokio::sync::Mutex::new(None),
        }
    }

    async fn fetch(&self) -> Result<Arc<AwsCredential>, String> {
        let mut held = self.held.lock().await;
        if let Some((credential, expires)) = held.as_ref()
            && expires.is_none_or(|at| Utc::now() + REFRESH_BEFORE < at)
        {
            return Ok(credential.clone());
        }
        let (credential, expires) = export(&self.aws, &self.profile).await?;
        let credential = Arc::new(credential);
        *held = Some((credential.clone(), expires));
        Ok(credential)
    }
}

impl CredentialProvider for AwsProfile {
    type Credential = AwsCredential;

    fn get_credential<'a, 'b>(
        &'a self,
    ) -> Pin<Box<dyn Future<Output = object_store::Result<Arc<AwsCredential>>> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(async move {
            self.fetch()
                .await
                .map_err(|message| object_store::Error::Generic {
                    store: "S3",
                    source: message.into(),
                })
        })
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Exported {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiration: Option<DateTime<Utc>>,
}

/// Runs the aws CLI for a profile's credentials.
async fn export(aws: &str, profile: &str) -> Result<(AwsCredential, Option<DateTime<Utc>>), String> {
    use crate::core::child::{Child, Event, Stream, Survivors};
    let args: Vec<std::ffi::OsString> = [
        "configure",
        "export-credentials",
        "--profile",
        profile,
        "--format",
        "process",
    ]
    .iter()
    .map(Into::into)
    .collect();
    let mut child = Child::spawn(aws.as_ref(), &args, None, Survivors::Kill).map_err(|e| {
        format!("cannot run `{aws}` for AWS profile `{profile}`: {e}; install the AWS CLI v2, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    })?;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut status = None;
    let until = tokio::time::Instant::now() + CLI_TIMEOUT;
    loop {
        let next = tokio::time::timeout_at(until, child.next()).await;
        match next {
            Err(_) => {
                child.stop(Duration::from_secs(1));
                return Err(format!(
                    "`{aws} configure export-credentials --profile {profile}` took over {}s",
                    CLI_TIMEOUT.as_secs()
                ));
            }
            Ok(Event::Output(Stream::Stdout)) if out.len() < 64 * 1024 => {
                out.extend_from_slice(child.chunk());
            }
            Ok(Event::Output(Stream::Stderr)) if err.len() < 64 * 1024 => {
                err.extend_from_slice(child.chunk());
            }
            Ok(Event::Output(_)) => {}
            Ok(Event::Exited(s)) => status = s,
            Ok(Event::Done) => break,
        }
    }
    if !status.is_some_and(|s| s.success()) {
        let said = crate::core::sanitize::sanitize(err.trim_ascii());
        let hint = if said.contains("SSO") || said.contains("sso") {
            format!(" (log in first: aws sso login --profile {profile})")
        } else {
            String::new()
        };
        return Err(format!(
            "AWS profile `{profile}`: the aws CLI said: {}{hint}",
            crate::core::text::cut(&said, 300)
        ));
    }
    let exported: Exported = serde_json::from_slice(&out).map_err(|e| {
        format!("AWS profile `{profile}`: the aws CLI's answer is not the credential JSON it should be ({e})")
    })?;
    Ok((
        AwsCredential {
            key_id: exported.access_key_id,
            secret_key: exported.secret_access_key,
            token: exported.session_token,
        },
        exported.expiration,
    ))
}
