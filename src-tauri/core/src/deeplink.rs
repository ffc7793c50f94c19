//! Deep links: `twitch-event-viewer://watch/<login>` and `twitch-event-viewer://home`.
//!
//! A link can come from anywhere — a web page, a chat message, another program — so it is
//! untrusted input, parsed into the small [`DeepLink`] enum or refused with a
//! [`DeepLinkError`] whose `Display` is a sentence the viewer can read.
//!
//! # A link never triggers a privileged action
//!
//! The only things a link can do are *show* something: open or focus the window of a
//! public channel, or focus home. There is deliberately no link for logging in or out,
//! changing settings, revoking tokens or anything else with an effect beyond the app's own
//! windows, so a hostile page that makes the system open a link can at worst open the
//! window of some public channel. Keep it that way when adding variants.
//!
//! # Accepted forms
//!
//! - `twitch-event-viewer://watch/<login>` and `twitch-event-viewer://watch/<login>/`, where
//!   `<login>` matches `^[A-Za-z0-9_]{1,25}$` (Twitch's login alphabet; normalised to
//!   lowercase, the form Helix returns).
//! - `twitch-event-viewer://home` and `twitch-event-viewer://home/`.
//!
//! The scheme is case-insensitive (URLs' rule); the action (`watch`, `home`) is not.
//! Everything else — other schemes or actions, extra path segments, a query, fragment,
//! user name, password or port, percent-encoding, dots, whitespace, control or non-ASCII
//! characters, inputs over [`MAX_LINK_LEN`] bytes — is refused.
//!
//! Note how the `url` crate reads a custom scheme: in `twitch-event-viewer://watch/abc`,
//! `watch` is the (opaque) *host* and `/abc` the *path*.
//!
//! [`parse`] checks the raw text as well as the parsed URL, so it also refuses what URL
//! parsing would silently normalise away (tabs and newlines, `..` segments, an empty `@` or
//! `:`). [`DeepLink::try_from`] on an already parsed [`Url`] (what the deep-link plugin
//! hands over) cannot see those: there `watch/a/../b` arrives as `watch/b`, which is still
//! only a checked channel name.

use std::fmt;

use url::Url;

/// The app's URL scheme, as registered with the system.
pub const SCHEME: &str = "twitch-event-viewer";

/// Longest link accepted, in bytes. Real links are under 60 bytes; the cap keeps a hostile
/// multi-megabyte argument from ever reaching the URL parser.
pub const MAX_LINK_LEN: usize = 2048;

/// Longest Twitch login (`^[A-Za-z0-9_]{1,25}$`).
pub const MAX_LOGIN_LEN: usize = 25;

/// How many characters of untrusted input an error message may repeat back.
const EXCERPT_CHARS: usize = 32;

/// What a deep link asks the app to show.
///
/// Construct it with [`parse`], [`DeepLink::try_from`] or [`DeepLink::watch`]; its
/// `Display` renders the canonical link, which parses back to the same value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeepLink {
    /// Open the window of a streamer, or focus it if it is already open.
    Watch {
        /// The channel's login, checked against `^[A-Za-z0-9_]{1,25}$` and lowercased.
        login: String,
    },
    /// Focus the home window.
    Home,
}

impl DeepLink {
    /// A `Watch` link for `login`, checked and lowercased as a parsed link would be.
    pub fn watch(login: &str) -> Result<Self, DeepLinkError> {
        if is_valid_login(login) {
            Ok(DeepLink::Watch { login: login.to_ascii_lowercase() })
        } else {
            Err(DeepLinkError::InvalidLogin { login: Excerpt::of(login) })
        }
    }
}

impl fmt::Display for DeepLink {
    /// The canonical link: `twitch-event-viewer://watch/<login>` or `twitch-event-viewer://home`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeepLink::Watch { login } => write!(f, "{SCHEME}://watch/{login}"),
            DeepLink::Home => write!(f, "{SCHEME}://home"),
        }
    }
}

/// Whether `login` is a syntactically valid Twitch login: `^[A-Za-z0-9_]{1,25}$`.
pub fn is_valid_login(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= MAX_LOGIN_LEN
        && login.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A short, printable excerpt of untrusted input for an error message.
///
/// At most 32 characters (and an ellipsis); anything but printable ASCII (control characters,
/// bidi overrides, lookalike letters) becomes `?`, so a message can neither be forged nor
/// be made unreadable by the input it quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt(String);

impl Excerpt {
    /// Builds the excerpt of `input`.
    pub fn of(input: &str) -> Self {
        let mut out: String = input
            .chars()
            .take(EXCERPT_CHARS)
            .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' })
            .collect();
        if input.chars().nth(EXCERPT_CHARS).is_some() {
            out.push('…');
        }
        Excerpt(out)
    }

    /// The excerpt's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A part of a URL that a deep link must not carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPart {
    /// `?…`
    Query,
    /// `#…`
    Fragment,
    /// `user:password@`
    UserInfo,
    /// `:1234`
    Port,
}

impl fmt::Display for LinkPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LinkPart::Query => "a query (\"?…\")",
            LinkPart::Fragment => "a fragment (\"#…\")",
            LinkPart::UserInfo => "a user name or password (\"…@\")",
            LinkPart::Port => "a port number",
        })
    }
}

/// Why a link was refused. `Display` is a sentence for the viewer; it quotes at most a
/// short [`Excerpt`] of the input, and never the user-info part of a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeepLinkError {
    /// The input is over [`MAX_LINK_LEN`] bytes; it was not parsed at all.
    #[error(
        "This link is too long to be a Twitch Event Viewer link ({len} bytes; they are at most 2048)."
    )]
    TooLong {
        /// The input's length in bytes.
        len: usize,
    },
    /// The input is not a URL.
    #[error("This isn't a Twitch Event Viewer link: \"{excerpt}\" is not a link at all.")]
    NotAUrl {
        /// The start of the input.
        excerpt: Excerpt,
    },
    /// A URL of another scheme, e.g. `https:`.
    #[error(
        "This link isn't a Twitch Event Viewer link: it starts with \"{scheme}:\" instead of \"twitch-event-viewer:\"."
    )]
    WrongScheme {
        /// The scheme the link has.
        scheme: Excerpt,
    },
    /// Our scheme, but not in the `scheme://action/…` shape (no or empty action).
    #[error(
        "This Twitch Event Viewer link is malformed: it should look like \"twitch-event-viewer://watch/<channel>\" or \"twitch-event-viewer://home\"."
    )]
    Malformed,
    /// An action other than `watch` or `home`.
    #[error(
        "This Twitch Event Viewer link asks for \"{action}\", which the app doesn't know: it understands \"watch/<channel>\" and \"home\"."
    )]
    UnknownAction {
        /// The action the link names.
        action: Excerpt,
    },
    /// `watch` without a channel.
    #[error(
        "This Twitch Event Viewer link doesn't say which channel to watch: use \"twitch-event-viewer://watch/<channel>\"."
    )]
    MissingLogin,
    /// More path segments than the action takes.
    #[error(
        "This Twitch Event Viewer link has more parts than expected: use \"twitch-event-viewer://watch/<channel>\" or \"twitch-event-viewer://home\"."
    )]
    ExtraSegments,
    /// The channel name is not a valid Twitch login.
    #[error(
        "This Twitch Event Viewer link names \"{login}\", which isn't a Twitch channel name (1 to 25 letters, digits or underscores)."
    )]
    InvalidLogin {
        /// The name the link gives.
        login: Excerpt,
    },
    /// A query, fragment, user info or port.
    #[error("This Twitch Event Viewer link carries {part}, which the app never accepts.")]
    ExtraPart {
        /// Which part.
        part: LinkPart,
    },
    /// Percent-encoded characters (`%2F`, `%00`, `%2e%2e` …): a real link never has them.
    #[error(
        "This Twitch Event Viewer link contains encoded characters (\"%…\"), which the app never accepts."
    )]
    Encoded,
    /// Whitespace, control characters, dots, backslashes or non-ASCII characters.
    #[error(
        "This link contains characters a Twitch Event Viewer link never has (spaces, control characters, dots, backslashes or non-ASCII letters)."
    )]
    UnexpectedCharacter,
}

impl DeepLinkError {
    /// A stable snake_case code for the front end's `{ code, message }` error shape.
    pub fn code(&self) -> &'static str {
        match self {
            DeepLinkError::TooLong { .. } => "too_long",
            DeepLinkError::NotAUrl { .. } => "not_a_url",
            DeepLinkError::WrongScheme { .. } => "wrong_scheme",
            DeepLinkError::Malformed => "malformed",
            DeepLinkError::UnknownAction { .. } => "unknown_action",
            DeepLinkError::MissingLogin => "missing_login",
            DeepLinkError::ExtraSegments => "extra_segments",
            DeepLinkError::InvalidLogin { .. } => "invalid_login",
            DeepLinkError::ExtraPart { .. } => "extra_part",
            DeepLinkError::Encoded => "encoded",
            DeepLinkError::UnexpectedCharacter => "unexpected_character",
        }
    }
}

/// Parses a link given as text (a command-line argument, a pasted link).
///
/// Refuses inputs over [`MAX_LINK_LEN`] bytes before any parsing, then checks the raw text
/// for what URL parsing would hide (see the module docs), then the parsed URL.
pub fn parse(input: &str) -> Result<DeepLink, DeepLinkError> {
    if input.len() > MAX_LINK_LEN {
        return Err(DeepLinkError::TooLong { len: input.len() });
    }
    // A well-formed foreign scheme gets the most helpful message, whatever follows it.
    if let Some((scheme, _)) = input.split_once(':')
        && is_scheme_syntax(scheme)
        && !scheme.eq_ignore_ascii_case(SCHEME)
    {
        return Err(DeepLinkError::WrongScheme { scheme: Excerpt::of(scheme) });
    }
    // URL parsing strips leading/trailing C0 controls and spaces and deletes tabs and
    // newlines anywhere; refuse them here so "watch/fo\no" cannot become "watch/foo".
    if input.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(DeepLinkError::UnexpectedCharacter);
    }
    if input.contains('%') {
        return Err(DeepLinkError::Encoded);
    }
    // `\` is read as `/` in some URL dialects; `.` only ever appears in tricks (`..`).
    if input.contains('\\') || input.contains('.') {
        return Err(DeepLinkError::UnexpectedCharacter);
    }
    let url =
        Url::parse(input).map_err(|_| DeepLinkError::NotAUrl { excerpt: Excerpt::of(input) })?;
    let link = DeepLink::try_from(&url)?;
    // What the URL parser normalised away without a trace (an empty "@" user info, an empty
    // ":" port) shows up as a difference from the canonical form. Case differences are
    // fine: the scheme is case-insensitive and the login is normalised.
    let canonical = link.to_string();
    let body = input.strip_suffix('/').unwrap_or(input);
    if body.eq_ignore_ascii_case(&canonical) {
        Ok(link)
    } else if input.contains('@') {
        Err(DeepLinkError::ExtraPart { part: LinkPart::UserInfo })
    } else {
        Err(DeepLinkError::Malformed)
    }
}

/// The first argument that uses the app's scheme, parsed; `None` if there is none.
///
/// For a cold start or a second instance's arguments: other arguments (flags, the binary's
/// path) are skipped, but an argument that claims to be a link and isn't a valid one is
/// reported so the viewer sees why nothing happened.
pub fn find_in_args<I, S>(args: I) -> Option<Result<DeepLink, DeepLinkError>>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let n = SCHEME.len();
    args.into_iter().find_map(|arg| {
        let arg = arg.as_ref();
        // Compared as bytes: slicing the `str` could split a multi-byte character.
        let claims = arg
            .as_bytes()
            .get(..=n)
            .is_some_and(|p| p[..n].eq_ignore_ascii_case(SCHEME.as_bytes()) && p[n] == b':');
        claims.then(|| parse(arg))
    })
}

/// RFC 3986 scheme syntax: a letter, then letters, digits, `+`, `-` or `.`.
fn is_scheme_syntax(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

impl TryFrom<&Url> for DeepLink {
    type Error = DeepLinkError;

    /// Reads an already parsed URL, e.g. one handed over by the deep-link plugin.
    fn try_from(url: &Url) -> Result<Self, Self::Error> {
        let len = url.as_str().len();
        if len > MAX_LINK_LEN {
            return Err(DeepLinkError::TooLong { len });
        }
        if url.scheme() != SCHEME {
            return Err(DeepLinkError::WrongScheme { scheme: Excerpt::of(url.scheme()) });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(DeepLinkError::ExtraPart { part: LinkPart::UserInfo });
        }
        if url.port().is_some() {
            return Err(DeepLinkError::ExtraPart { part: LinkPart::Port });
        }
        if url.query().is_some() {
            return Err(DeepLinkError::ExtraPart { part: LinkPart::Query });
        }
        if url.fragment().is_some() {
            return Err(DeepLinkError::ExtraPart { part: LinkPart::Fragment });
        }
        let action = match url.host_str() {
            Some(host) if !host.is_empty() => host,
            _ => return Err(DeepLinkError::Malformed),
        };
        // The parser percent-encodes what it does not like (non-ASCII, spaces); a real
        // link has nothing to encode, and decoding would only let `%2F` smuggle a slash.
        if action.contains('%') || url.path().contains('%') {
            return Err(DeepLinkError::Encoded);
        }
        // Path "" or "/" is no segment; "/x" and "/x/" are one; anything else is more.
        let path = url.path();
        let rest = match path.strip_prefix('/') {
            Some(rest) => rest,
            None if path.is_empty() => "",
            None => return Err(DeepLinkError::Malformed),
        };
        let segment = rest.strip_suffix('/').unwrap_or(rest);
        if segment.contains('/') || (segment.is_empty() && !rest.is_empty()) {
            return Err(DeepLinkError::ExtraSegments);
        }
        match action {
            "home" if segment.is_empty() => Ok(DeepLink::Home),
            "home" => Err(DeepLinkError::ExtraSegments),
            "watch" if segment.is_empty() => Err(DeepLinkError::MissingLogin),
            "watch" => DeepLink::watch(segment),
            other => Err(DeepLinkError::UnknownAction { action: Excerpt::of(other) }),
        }
    }
}
