//! The credentials the phone may present to Web Enrollment ([`crate::profile::EnrollmentAuth`]):
//! HTTP Basic, or IIS's Windows Authentication with NTLM — NEGOTIATE in the first request, the
//! CHALLENGE in the 401's `WWW-Authenticate: NTLM …`, AUTHENTICATE in the second request on the
//! same kept-alive connection (the client's pool hands the idle connection back once the 401's
//! body is read).

use base64::Engine;
use reqwest::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{RequestBuilder, Response, StatusCode};

/// Who the phone says it is to /certsrv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebCredentials<'a> {
    Basic {
        user: &'a str,
        password: &'a str,
    },
    /// `DOMAIN\user` or `user@domain` (sent as the user name with no domain, as Windows does).
    Ntlm {
        user: &'a str,
        password: &'a str,
    },
}

/// The answer to the authenticated request, or why the handshake could not go on (the HTTP
/// failure of the first leg is the caller's to report).
pub(super) enum Sent {
    Answer(Response),
    Failed(reqwest::Error),
    /// The one-connection NTLM exchange failed.
    FailedOwn(super::one_connection::Failure),
}

/// Sends the request `build` makes, authenticated as `credentials` says. With a `route`, NTLM
/// over plain HTTP runs on one connection of its own ([`super::one_connection`]).
pub(super) async fn send(
    build: impl Fn() -> RequestBuilder,
    credentials: Option<WebCredentials<'_>>,
    route: Option<super::one_connection::Route<'_>>,
) -> Sent {
    let outcome = match credentials {
        None => build().send().await,
        Some(WebCredentials::Basic { user, password }) => {
            build().basic_auth(user, Some(password)).send().await
        }
        Some(WebCredentials::Ntlm { user, password }) => {
            return match (route, build().build()) {
                (Some(route), Ok(request)) if request.url().scheme() == "http" => {
                    ntlm_on_one_connection(&request, route, user, password).await
                }
                _ => ntlm(build, user, password).await,
            }
        }
    };
    match outcome {
        Ok(response) => Sent::Answer(response),
        Err(error) => Sent::Failed(error),
    }
}

fn split_account(user: &str) -> (&str, &str) {
    match user.split_once('\\') {
        Some((domain, account)) => (account, domain),
        None => (user, ""),
    }
}

fn header(scheme: &str, token: &[u8]) -> String {
    format!(
        "{scheme} {}",
        base64::engine::general_purpose::STANDARD.encode(token)
    )
}

/// The NTLM CHALLENGE in a 401's `WWW-Authenticate: NTLM <base64>`.
fn challenge_of(response: &Response) -> Option<Vec<u8>> {
    challenge_in(response.headers())
}

fn challenge_in(headers: &reqwest::header::HeaderMap) -> Option<Vec<u8>> {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("NTLM")
                .then(|| {
                    base64::engine::general_purpose::STANDARD
                        .decode(token.trim())
                        .ok()
                })
                .flatten()
        })
}

/// NEGOTIATE, CHALLENGE, AUTHENTICATE on one HTTP/1.1 connection, as IIS requires.
async fn ntlm_on_one_connection(
    request: &reqwest::Request,
    route: super::one_connection::Route<'_>,
    user: &str,
    password: &str,
) -> Sent {
    use super::one_connection::Connection;
    let (account, domain) = split_account(user);
    let client = ntlm::client::Client::new(account, domain, password, ntlm::client::DEFAULT_FLAGS);
    let mut connection = match Connection::open(request.url(), route).await {
        Ok(connection) => connection,
        Err(failure) => return Sent::FailedOwn(failure),
    };
    let negotiate = header("NTLM", client.negotiate());
    let first = match connection
        .send(request, Some(&negotiate), route.timeout)
        .await
    {
        Ok(response) => response,
        Err(failure) => return Sent::FailedOwn(failure),
    };
    let challenge = match (first.status(), challenge_in(first.headers())) {
        (StatusCode::UNAUTHORIZED, Some(challenge)) => challenge,
        _ => return Sent::Answer(Response::from(first.map(reqwest::Body::from))),
    };
    let authorization = match client.authenticate(&challenge, None) {
        Ok(authenticated) => header("NTLM", &authenticated.message),
        // A CHALLENGE that cannot be read: the server gets an empty answer and says why.
        Err(_) => "NTLM".to_string(),
    };
    match connection
        .send(request, Some(&authorization), route.timeout)
        .await
    {
        Ok(response) => Sent::Answer(Response::from(response.map(reqwest::Body::from))),
        Err(failure) => Sent::FailedOwn(failure),
    }
}

async fn ntlm(build: impl Fn() -> RequestBuilder, user: &str, password: &str) -> Sent {
    let (account, domain) = split_account(user);
    let client = ntlm::client::Client::new(account, domain, password, ntlm::client::DEFAULT_FLAGS);
    let first = match build()
        .header(AUTHORIZATION, header("NTLM", client.negotiate()))
        .send()
        .await
    {
        Ok(response) => response,
        Err(error) => return Sent::Failed(error),
    };
    // Anything but a 401 carrying a CHALLENGE is the answer (anonymous access, an error page).
    let challenge = match (first.status(), challenge_of(&first)) {
        (StatusCode::UNAUTHORIZED, Some(challenge)) => challenge,
        _ => return Sent::Answer(first),
    };
    // Read the 401's body so the connection goes back to the pool for the second leg.
    if let Err(error) = first.bytes().await {
        return Sent::Failed(error);
    }
    let Ok(authenticated) = client.authenticate(&challenge, None) else {
        // A CHALLENGE that cannot be read: the server gets an empty answer and says why.
        return match build().header(AUTHORIZATION, "NTLM").send().await {
            Ok(response) => Sent::Answer(response),
            Err(error) => Sent::Failed(error),
        };
    };
    match build()
        .header(AUTHORIZATION, header("NTLM", &authenticated.message))
        .send()
        .await
    {
        Ok(response) => Sent::Answer(response),
        Err(error) => Sent::Failed(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_level_names_split_and_upns_stay_whole() {
        assert_eq!(split_account("EXAMPLE\\alice"), ("alice", "EXAMPLE"));
        assert_eq!(
            split_account("alice@example.test"),
            ("alice@example.test", "")
        );
    }
}
