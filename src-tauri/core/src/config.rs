//! The user's settings (Client ID, favourite streamer, …) under the `directories` config dir.
