//! How the mock Web Enrollment misbehaves, if at all: one scenario picks one behaviour by name
//! (`--certsrv-behaviour NAME`), so the names are the stable interface and round-trip through
//! [`FromStr`] and [`Display`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::error::Error;

/// What `/certsrv` does with a request. The default is [`Behaviour::Anonymous`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// `anonymous`: everyone may download (IIS with Anonymous Authentication enabled).
    #[default]
    Anonymous,
    /// `basic`: HTTP Basic credentials of a directory user are required, checked like an LDAP
    /// simple bind; otherwise 401 advertising Negotiate, NTLM and Basic as IIS does.
    Basic,
    /// `windows`: IIS with only Windows Authentication enabled, as AD CS installs /certsrv:
    /// NTLM (or Negotiate carrying NTLM) of a directory user is required; anything else gets 401
    /// advertising `Negotiate` and `NTLM` (no Basic).
    Windows,
    /// `not-installed`: the CA exists but the Web Enrollment role service does not: every
    /// `/certsrv` path is IIS's 404.
    NotInstalled,
    /// `https-required`: the virtual directory demands SSL; plain HTTP gets IIS's 403.4.
    HttpsRequired,
    /// `slow:MS`: every answer is delayed by MS milliseconds (an overloaded or far-away server).
    Slow(Duration),
    /// `silent`: the connection and the request are accepted, and no answer ever comes (until
    /// the server shuts down), so a client's timeout is what ends the wait.
    Silent,
    /// `wrong-content:KIND`: certnew.p7b / certnew.cer answer 200 with the right Content-Type and
    /// a body that is no certificate.
    WrongContent(WrongContent),
}

/// The body [`Behaviour::WrongContent`] sends instead of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongContent {
    /// `html`: the certsrv error page (what a broken ASP page really returns with 200).
    Html,
    /// `garbage`: random bytes.
    Garbage,
    /// `empty`: a zero-length body.
    Empty,
    /// `pem-garbage`: `-----BEGIN CERTIFICATE-----` armour around base64 of random bytes.
    PemGarbage,
}

impl WrongContent {
    const ALL: [WrongContent; 4] = [
        WrongContent::Html,
        WrongContent::Garbage,
        WrongContent::Empty,
        WrongContent::PemGarbage,
    ];

    fn name(self) -> &'static str {
        match self {
            WrongContent::Html => "html",
            WrongContent::Garbage => "garbage",
            WrongContent::Empty => "empty",
            WrongContent::PemGarbage => "pem-garbage",
        }
    }
}

impl Behaviour {
    /// Every accepted spelling, for help texts and errors.
    pub const NAMES: [&'static str; 8] = [
        "anonymous",
        "basic",
        "windows",
        "not-installed",
        "https-required",
        "slow:MS",
        "silent",
        "wrong-content:html|garbage|empty|pem-garbage",
    ];
}

impl FromStr for Behaviour {
    type Err = Error;

    /// Case-insensitive; `slow:` takes whole milliseconds (an `ms` suffix is allowed).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| Error::UnknownBehaviour {
            given: text.to_string(),
            reason,
        };
        let lower = text.trim().to_ascii_lowercase();
        let (name, argument) = match lower.split_once(':') {
            Some((name, argument)) => (name, Some(argument)),
            None => (lower.as_str(), None),
        };
        let no_argument = |behaviour| match argument {
            None => Ok(behaviour),
            Some(_) => Err(fail("this behaviour takes no argument")),
        };
        match name {
            "anonymous" => no_argument(Behaviour::Anonymous),
            "basic" => no_argument(Behaviour::Basic),
            "windows" => no_argument(Behaviour::Windows),
            "not-installed" => no_argument(Behaviour::NotInstalled),
            "https-required" => no_argument(Behaviour::HttpsRequired),
            "silent" => no_argument(Behaviour::Silent),
            "slow" => {
                let millis = argument.ok_or_else(|| fail("slow needs a delay: slow:MS"))?;
                let millis = millis.strip_suffix("ms").unwrap_or(millis);
                millis
                    .parse::<u64>()
                    .map(|ms| Behaviour::Slow(Duration::from_millis(ms)))
                    .map_err(|_| fail("the delay of slow:MS is whole milliseconds"))
            }
            "wrong-content" => {
                let kind = argument.ok_or_else(|| {
                    fail("wrong-content needs a kind: wrong-content:html|garbage|empty|pem-garbage")
                })?;
                WrongContent::ALL
                    .into_iter()
                    .find(|candidate| candidate.name() == kind)
                    .map(Behaviour::WrongContent)
                    .ok_or_else(|| fail("wrong-content takes html, garbage, empty or pem-garbage"))
            }
            _ => Err(fail("no such behaviour")),
        }
    }
}

impl fmt::Display for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Behaviour::Anonymous => f.write_str("anonymous"),
            Behaviour::Basic => f.write_str("basic"),
            Behaviour::Windows => f.write_str("windows"),
            Behaviour::NotInstalled => f.write_str("not-installed"),
            Behaviour::HttpsRequired => f.write_str("https-required"),
            Behaviour::Slow(delay) => write!(f, "slow:{}", delay.as_millis()),
            Behaviour::Silent => f.write_str("silent"),
            Behaviour::WrongContent(kind) => write!(f, "wrong-content:{}", kind.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_and_displays_back() {
        let all = [
            Behaviour::Anonymous,
            Behaviour::Basic,
            Behaviour::Windows,
            Behaviour::NotInstalled,
            Behaviour::HttpsRequired,
            Behaviour::Slow(Duration::from_millis(1500)),
            Behaviour::Silent,
            Behaviour::WrongContent(WrongContent::Html),
            Behaviour::WrongContent(WrongContent::Garbage),
            Behaviour::WrongContent(WrongContent::Empty),
            Behaviour::WrongContent(WrongContent::PemGarbage),
        ];
        for behaviour in all {
            let name = behaviour.to_string();
            assert_eq!(name.parse::<Behaviour>().ok(), Some(behaviour), "{name}");
        }
    }

    #[test]
    fn parsing_is_lenient_about_case_and_the_ms_suffix() {
        let parse = |text: &str| text.parse::<Behaviour>().ok();
        assert_eq!(parse("Basic"), Some(Behaviour::Basic));
        assert_eq!(parse(" NOT-INSTALLED "), Some(Behaviour::NotInstalled));
        assert_eq!(
            parse("slow:250ms"),
            Some(Behaviour::Slow(Duration::from_millis(250)))
        );
        assert_eq!(
            parse("wrong-content:PEM-GARBAGE"),
            Some(Behaviour::WrongContent(WrongContent::PemGarbage))
        );
        assert_eq!(Behaviour::default(), Behaviour::Anonymous);
    }

    #[test]
    fn bad_names_are_explained() {
        for bad in [
            "",
            "ntlm",
            "slow",
            "slow:",
            "slow:-5",
            "slow:fast",
            "slow:1.5",
            "wrong-content",
            "wrong-content:xml",
            "basic:yes",
            "silent:1",
        ] {
            let error = bad.parse::<Behaviour>().expect_err(bad);
            assert!(error.to_string().contains("anonymous"), "{error}");
        }
    }
}
