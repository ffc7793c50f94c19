//! `tev replay`: recorded frames through exactly the app's parse → dedupe → normalise path.
