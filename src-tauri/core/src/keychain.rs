//! The OS keychain (`keyring`): where tokens and the client secret live, and nowhere else.
