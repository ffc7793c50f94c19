//! The OS keychain (`keyring`): where tokens and the client secret live, and nowhere else.
//!
//! Two entries under the service `twitch-event-viewer`: `tokens` (the token bundle, JSON
//! serialized only into the keychain) and `client-secret`. On Linux this is the Secret
//! Service (pure-Rust zbus store, via `keyring` v4's `v1` feature); Apple's and Windows'
//! stores are selected by target.
//!
//! On that Secret Service path the store is made by [`os_store`], not by `keyring::Entry::new`:
//! `keyring` decides once per process whether a store exists, so a Secret Service started after
//! the app (KeePassXC, a keyring daemon that comes up late) would stay "unavailable" until a
//! restart. Here a failed connection is tried again at the next use, and a store whose service
//! went away is dropped and made again.
//!
//! Every call runs on a blocking thread with a timeout: a *locked* keyring can wait forever
//! on an unlock prompt (docs/platform.md "Keychain"). No usable keychain is a clear
//! [`KeychainError::Unavailable`]; the user may then explicitly choose
//! [`Keychain::session_only`] (memory, this run only). There is never a plaintext fallback.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zeroize::Zeroizing;

use crate::token::AccessToken;

/// The keychain service name.
pub const SERVICE: &str = "twitch-event-viewer";
/// The account holding the token bundle.
pub const TOKENS_ACCOUNT: &str = "tokens";
/// The account holding the Client Secret.
pub const SECRET_ACCOUNT: &str = "client-secret";
/// How long one keychain call may take before we give up on it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors of the keychain. None of them ever carries a secret.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KeychainError {
    /// No usable keychain (no Secret Service / D-Bus session, locked or missing keyring).
    #[error(
        "the system keychain is not available ({0}). Unlock or install a keyring (on Linux: a \
         Secret Service such as GNOME Keyring or KWallet), or choose to stay signed in for this \
         run only"
    )]
    Unavailable(String),
    /// The keychain did not answer in time (a locked keyring waiting on a prompt?).
    #[error("the system keychain did not answer within {0:?} (is it locked?)")]
    Timeout(Duration),
    /// What is stored under our entry is not something we wrote.
    #[error("the stored Twitch login in the keychain is unreadable; sign in again")]
    Corrupt,
    /// Any other keychain failure.
    #[error("keychain error: {0}")]
    Other(String),
}

/// A refresh token. No `Debug` text, no `Serialize`, zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken(Zeroizing<String>);

impl RefreshToken {
    /// Wraps the token text.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }
    /// The text, for the refresh request's form body and nothing else.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshToken(<redacted>)")
    }
}

/// The login kept in the keychain: tokens plus what is needed to use them.
#[derive(Clone)]
pub struct StoredTokens {
    /// The Client ID that issued the tokens (a different Client ID means a new login).
    pub client_id: String,
    /// The access token.
    pub access: AccessToken,
    /// The refresh token; `None` once it has been sent (spent) and no successor is known yet.
    pub refresh: Option<RefreshToken>,
    /// When the access token expires (unix seconds).
    pub expires_at: i64,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Twitch user id.
    pub user_id: String,
    /// Twitch login.
    pub login: String,
}

impl std::fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTokens")
            .field("client_id", &self.client_id)
            .field("access", &self.access)
            .field("refresh", &self.refresh)
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("user_id", &self.user_id)
            .field("login", &self.login)
            .finish()
    }
}

/// The JSON shape inside the keychain entry. Private: the only place token text is
/// serialized.
#[derive(Serialize, Deserialize)]
struct Wire {
    v: u32,
    client_id: String,
    access_token: String,
    refresh_token: Option<String>,
    expires_at: i64,
    scopes: Vec<String>,
    user_id: String,
    login: String,
}

/// The JSON shape of the Client Secret entry: the secret with the Client ID it belongs to.
#[derive(Serialize, Deserialize)]
struct SecretWire {
    client_id: String,
    secret: String,
}

impl StoredTokens {
    fn to_json(&self) -> Result<Zeroizing<String>, KeychainError> {
        let w = Wire {
            v: 1,
            client_id: self.client_id.clone(),
            access_token: self.access.secret().to_string(),
            refresh_token: self.refresh.as_ref().map(|r| r.secret().to_string()),
            expires_at: self.expires_at,
            scopes: self.scopes.clone(),
            user_id: self.user_id.clone(),
            login: self.login.clone(),
        };
        let out = serde_json::to_string(&w).map(Zeroizing::new);
        let Wire { access_token, refresh_token, .. } = w;
        drop(Zeroizing::new(access_token));
        drop(refresh_token.map(Zeroizing::new));
        out.map_err(|_| KeychainError::Other("cannot serialize the login".into()))
    }

    fn from_json(s: &str) -> Result<Self, KeychainError> {
        // The serde error could quote the input; never show it.
        let w: Wire = serde_json::from_str(s).map_err(|_| KeychainError::Corrupt)?;
        if w.v != 1 {
            return Err(KeychainError::Corrupt);
        }
        Ok(Self {
            client_id: w.client_id,
            access: AccessToken::new(w.access_token),
            refresh: w.refresh_token.map(RefreshToken::new),
            expires_at: w.expires_at,
            scopes: w.scopes,
            user_id: w.user_id,
            login: w.login,
        })
    }
}

/// Where entries go.
#[derive(Clone)]
enum Backend {
    /// The platform's keychain through `keyring` v4.
    Os,
    /// A given `keyring-core` store (tests use `keyring_core::mock::Store`).
    Store(Arc<keyring_core::CredentialStore>),
    /// Memory only, for this run: the user's explicit choice when no keychain works.
    Session(Arc<Mutex<HashMap<String, Zeroizing<String>>>>),
}

/// Handle to the keychain entries of the app. Cheap to clone.
#[derive(Clone)]
pub struct Keychain {
    /// Which store the entries live in.
    backend: Backend,
    /// The time limit of every call.
    timeout: Duration,
    /// The service name (tests use their own so they do not touch a real login).
    service: String,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.backend {
            Backend::Os => "os",
            Backend::Store(_) => "store",
            Backend::Session(_) => "session-only",
        };
        f.debug_struct("Keychain").field("backend", &kind).field("service", &self.service).finish()
    }
}

/// The Secret Service store of this process, once one could be made.
#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
static OS_STORE: Mutex<Option<Arc<keyring_core::CredentialStore>>> = Mutex::new(None);

/// The platform's store: the one made before, or a new one — so a Secret Service that was not
/// there at the last use is looked for again now.
#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
fn os_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    let mut slot = lock(&OS_STORE);
    if let Some(store) = slot.as_ref() {
        return Ok(store.clone());
    }
    let store: Arc<keyring_core::CredentialStore> =
        zbus_secret_service_keyring_store::Store::new()?;
    *slot = Some(store.clone());
    Ok(store)
}

/// Forgets the store after a platform failure (the Secret Service went away or restarted): the
/// next use connects afresh.
#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
fn forget_os_store() {
    lock(&OS_STORE).take();
}

/// An entry in the platform's keychain.
#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
fn os_entry(service: &str, account: &str) -> keyring_core::Result<keyring_core::Entry> {
    keyring_core::Entry::new_in_store(&os_store()?, service, account)
}

/// An entry in the platform's keychain (Apple's and Windows' stores, through `keyring`).
#[cfg(not(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android")))))]
fn os_entry(service: &str, account: &str) -> keyring_core::Result<keyring_core::Entry> {
    keyring::Entry::new(service, account).map(|e| e.inner)
}

#[cfg(not(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android")))))]
fn forget_os_store() {}

/// Maps `keyring` errors per docs/platform.md "Keychain": no store / platform failure / no access
/// mean "no usable keychain"; the payload-bearing variants are reported without their payload.
fn map_err(e: keyring_core::Error) -> KeychainError {
    use keyring_core::Error as E;
    match e {
        E::NoDefaultStore => {
            KeychainError::Unavailable("no credential store on this system".into())
        }
        E::PlatformFailure(p) => KeychainError::Unavailable(platform_failure(&p.to_string())),
        E::NoStorageAccess(p) => KeychainError::Unavailable(format!("no access: {p}")),
        E::BadEncoding(_) | E::BadDataFormat(_, _) => KeychainError::Corrupt,
        E::NoEntry => KeychainError::Other("no entry".into()),
        E::TooLong(what, max) => KeychainError::Other(format!("{what} is longer than {max}")),
        other => KeychainError::Other(other.to_string()),
    }
}

/// A platform failure in words for the sign-in screen. The usual one on a Linux desktop without
/// a keyring is D-Bus's `ServiceUnknown` for `org.freedesktop.secrets` (nothing provides the
/// Secret Service, https://specifications.freedesktop.org/secret-service-spec/latest/): said
/// plainly; anything else is passed on as the platform said it.
fn platform_failure(detail: &str) -> String {
    if detail.contains("org.freedesktop.secrets")
        && (detail.contains("ServiceUnknown") || detail.contains("was not provided"))
    {
        "no Secret Service is running on this desktop".into()
    } else {
        detail.to_string()
    }
}

impl Keychain {
    /// The platform keychain.
    pub fn os() -> Self {
        Self { backend: Backend::Os, timeout: DEFAULT_TIMEOUT, service: SERVICE.into() }
    }

    /// A `keyring-core` store (e.g. `keyring_core::mock::Store::new()?` in tests).
    pub fn with_store(store: Arc<keyring_core::CredentialStore>) -> Self {
        Self { backend: Backend::Store(store), timeout: DEFAULT_TIMEOUT, service: SERVICE.into() }
    }

    /// Memory only: the login lasts for this run. Only on the user's explicit choice.
    pub fn session_only() -> Self {
        Self {
            backend: Backend::Session(Arc::default()),
            timeout: DEFAULT_TIMEOUT,
            service: SERVICE.into(),
        }
    }

    /// The same keychain with another service name (tests against a real keychain).
    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// The same keychain with another time limit per call.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// True for the memory-only store.
    pub fn is_session_only(&self) -> bool {
        matches!(self.backend, Backend::Session(_))
    }

    /// Runs one blocking keyring operation off the async threads, with the timeout.
    async fn run<T: Send + 'static>(
        &self,
        account: &str,
        op: impl FnOnce(&keyring_core::Entry) -> keyring_core::Result<T> + Send + 'static,
    ) -> Result<keyring_core::Result<T>, KeychainError> {
        let backend = self.backend.clone();
        let service = self.service.clone();
        let account = account.to_string();
        let task = tokio::task::spawn_blocking(move || {
            let entry = match &backend {
                Backend::Os => os_entry(&service, &account),
                Backend::Store(s) => keyring_core::Entry::new_in_store(s, &service, &account),
                // Callers answer session-only requests before getting here.
                Backend::Session(_) => {
                    Err(keyring_core::Error::NotSupportedByStore("session-only".into()))
                }
            }?;
            let result = op(&entry);
            if matches!(backend, Backend::Os)
                && matches!(result, Err(keyring_core::Error::PlatformFailure(_)))
            {
                forget_os_store();
            }
            result
        });
        match tokio::time::timeout(self.timeout, task).await {
            Err(_) => Err(KeychainError::Timeout(self.timeout)),
            Ok(Err(join)) => Err(KeychainError::Other(format!("keychain task failed: {join}"))),
            Ok(Ok(r)) => Ok(r),
        }
    }

    /// Reads an entry; `None` when there is none.
    pub async fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>, KeychainError> {
        if let Backend::Session(m) = &self.backend {
            return Ok(lock(m).get(&self.key(account)).cloned());
        }
        match self.run(account, |e| e.get_password().map(Zeroizing::new)).await? {
            Ok(v) => Ok(Some(v)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Whether the keychain can keep a login now: the login's entry is read (and dropped), as a
    /// login does before it starts. `Unavailable` (or `Timeout`, a locked keyring) means the user
    /// may choose to stay signed in for this run only.
    pub async fn check(&self) -> Result<(), KeychainError> {
        self.get(TOKENS_ACCOUNT).await.map(drop)
    }

    /// Writes an entry (replacing what was there).
    pub async fn set(&self, account: &str, value: Zeroizing<String>) -> Result<(), KeychainError> {
        if let Backend::Session(m) = &self.backend {
            lock(m).insert(self.key(account), value);
            return Ok(());
        }
        self.run(account, move |e| e.set_password(&value)).await?.map_err(map_err)
    }

    /// Deletes an entry; deleting a missing entry is fine.
    pub async fn delete(&self, account: &str) -> Result<(), KeychainError> {
        if let Backend::Session(m) = &self.backend {
            lock(m).remove(&self.key(account));
            return Ok(());
        }
        match self.run(account, |e| e.delete_credential()).await? {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }

    fn key(&self, account: &str) -> String {
        format!("{}/{account}", self.service)
    }

    /// The stored login, if any.
    pub async fn load_tokens(&self) -> Result<Option<StoredTokens>, KeychainError> {
        match self.get(TOKENS_ACCOUNT).await? {
            None => Ok(None),
            Some(json) => StoredTokens::from_json(&json).map(Some),
        }
    }

    /// Stores the login (replacing the previous one).
    pub async fn store_tokens(&self, tokens: &StoredTokens) -> Result<(), KeychainError> {
        let json = tokens.to_json()?;
        self.set(TOKENS_ACCOUNT, json).await
    }

    /// Deletes the stored login.
    pub async fn delete_tokens(&self) -> Result<(), KeychainError> {
        self.delete(TOKENS_ACCOUNT).await
    }

    /// The Client Secret stored with `tev config --secret-stdin` or the setup screen, if it
    /// was stored for `client_id`. A secret belongs to one application: with another Client
    /// ID it would pick the loopback flow for a client that has no secret, and that login
    /// could never finish. A secret stored before secrets carried their Client ID (plain
    /// text) belongs to no client and is not returned.
    pub async fn client_secret(
        &self,
        client_id: &str,
    ) -> Result<Option<Zeroizing<String>>, KeychainError> {
        let Some(text) = self.get(SECRET_ACCOUNT).await? else {
            return Ok(None);
        };
        // The serde error could quote the input; never show it.
        match serde_json::from_str::<SecretWire>(&text) {
            Ok(w) => {
                let secret = Zeroizing::new(w.secret);
                Ok((w.client_id == client_id).then_some(secret))
            }
            Err(_) => {
                tracing::debug!("the stored client secret names no Client ID; not used");
                Ok(None)
            }
        }
    }

    /// Stores the Client Secret of `client_id` (replacing any other application's).
    pub async fn set_client_secret(
        &self,
        client_id: &str,
        secret: Zeroizing<String>,
    ) -> Result<(), KeychainError> {
        let w = SecretWire { client_id: client_id.to_string(), secret: secret.to_string() };
        let json = serde_json::to_string(&w).map(Zeroizing::new);
        drop(Zeroizing::new(w.secret));
        let json = json.map_err(|_| KeychainError::Other("cannot serialize the secret".into()))?;
        self.set(SECRET_ACCOUNT, json).await
    }

    /// Deletes the Client Secret.
    pub async fn delete_client_secret(&self) -> Result<(), KeychainError> {
        self.delete(SECRET_ACCOUNT).await
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned map is still a valid map: a panic elsewhere must not lock the user out.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StoredTokens {
        StoredTokens {
            client_id: "cid".into(),
            access: AccessToken::new("access-SECRET-1"),
            refresh: Some(RefreshToken::new("refresh-SECRET-1")),
            expires_at: 1_800_000_000,
            scopes: vec!["user:read:chat".into()],
            user_id: "42".into(),
            login: "viewer".into(),
        }
    }

    fn mock() -> Keychain {
        Keychain::with_store(keyring_core::mock::Store::new().expect("mock store"))
    }

    #[tokio::test]
    async fn store_load_delete_with_the_mock_store() {
        let k = mock();
        assert!(k.load_tokens().await.expect("empty").is_none());
        k.store_tokens(&sample()).await.expect("store");
        let back = k.load_tokens().await.expect("load").expect("some");
        assert_eq!(back.access.secret(), "access-SECRET-1");
        assert_eq!(back.refresh.as_ref().map(RefreshToken::secret), Some("refresh-SECRET-1"));
        assert_eq!(back.login, "viewer");
        k.delete_tokens().await.expect("delete");
        assert!(k.load_tokens().await.expect("gone").is_none());
        k.delete_tokens().await.expect("deleting nothing is fine");
    }

    #[tokio::test]
    async fn platform_errors_map_to_unavailable_and_say_what_to_do() {
        let store: Arc<keyring_core::CredentialStore> =
            keyring_core::mock::Store::new().expect("mock store");
        let k = Keychain::with_store(store.clone());
        let entry =
            keyring_core::Entry::new_in_store(&store, SERVICE, TOKENS_ACCOUNT).expect("entry");
        let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().expect("mock cred");
        cred.set_error(keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other(
            "keyring is locked",
        ))));
        let err = k.load_tokens().await.expect_err("unavailable");
        assert!(matches!(err, KeychainError::Unavailable(_)), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("keychain is not available") && msg.contains("this run only"),
            "{msg}"
        );
        cred.set_error(keyring_core::Error::PlatformFailure(Box::new(std::io::Error::other(
            "no org.freedesktop.secrets",
        ))));
        assert!(matches!(k.store_tokens(&sample()).await, Err(KeychainError::Unavailable(_))));
    }

    #[test]
    fn no_secret_service_on_the_bus_is_said_plainly() {
        // What zbus answers when nothing provides org.freedesktop.secrets on the session bus.
        let zbus = "zbus error: org.freedesktop.DBus.Error.ServiceUnknown: The name \
                    org.freedesktop.secrets was not provided by any .service files";
        let err =
            map_err(keyring_core::Error::PlatformFailure(Box::new(std::io::Error::other(zbus))));
        let msg = err.to_string();
        assert!(matches!(err, KeychainError::Unavailable(_)), "{err:?}");
        assert!(msg.contains("no Secret Service is running on this desktop"), "{msg}");
        assert!(!msg.contains("zbus error"), "the D-Bus error text is not for users: {msg}");
    }

    #[tokio::test]
    async fn garbage_in_the_entry_is_corrupt_without_echoing_it() {
        let k = mock();
        k.set(TOKENS_ACCOUNT, Zeroizing::new("not json SECRETISH".into())).await.expect("set");
        let err = k.load_tokens().await.expect_err("corrupt");
        assert_eq!(err, KeychainError::Corrupt);
        assert!(!format!("{err} {err:?}").contains("SECRETISH"));
    }

    #[tokio::test]
    async fn session_only_keeps_things_in_memory() {
        let k = Keychain::session_only();
        assert!(k.is_session_only());
        k.store_tokens(&sample()).await.expect("store");
        let other = k.clone();
        assert_eq!(other.load_tokens().await.expect("load").expect("some").login, "viewer");
        assert!(Keychain::session_only().load_tokens().await.expect("load").is_none());
        k.set_client_secret("app-1", Zeroizing::new("s3cret".into())).await.expect("secret");
        assert_eq!(
            k.client_secret("app-1").await.expect("secret").as_deref().map(|s| s.as_str()),
            Some("s3cret")
        );
    }

    #[tokio::test]
    async fn a_client_secret_belongs_to_the_client_id_it_was_stored_for() {
        let k = mock();
        k.set_client_secret("confidential-app", Zeroizing::new("s3cret".into()))
            .await
            .expect("secret");
        let mine = k.client_secret("confidential-app").await.expect("read");
        assert_eq!(mine.as_deref().map(String::as_str), Some("s3cret"));
        // The Client ID changed (a public client now): no secret, so the device flow.
        assert!(k.client_secret("public-app").await.expect("read").is_none());
        // A secret stored as plain text by an older version names no client: not used.
        k.set(SECRET_ACCOUNT, Zeroizing::new("legacy-SECRETISH".into())).await.expect("set");
        assert!(k.client_secret("confidential-app").await.expect("read").is_none());
        k.delete_client_secret().await.expect("delete");
        assert!(k.client_secret("confidential-app").await.expect("read").is_none());
    }

    #[test]
    fn debug_output_never_shows_tokens() {
        let s = sample();
        let dbg = format!("{s:?} {:?}", mock());
        assert!(!dbg.contains("SECRET"), "{dbg}");
        assert!(dbg.contains("redacted"));
    }
}
