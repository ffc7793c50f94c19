//! What a message from a socket changes: a welcome, the `session_reconnect` handover to a
//! successor, and the old socket that handover retires, read until it closes (docs/twitch.md
//! §1.3).

use super::incoming::{Incoming, parse_envelope};
use super::socket::ConnMsg;
use super::{LossReason, Retired, Session, SessionEvent};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use url::Url;

impl Session {
    pub(super) fn on_message(&mut self, id: u64, msg: ConnMsg) -> Option<SessionEvent> {
        let is_active = self.active.as_ref().is_some_and(|c| c.id == id);
        let is_successor = self.successor.as_ref().is_some_and(|c| c.id == id);
        let wall = (self.config.wall_clock)();
        if let Some(pos) = self.retired.iter().position(|r| r.id == id) {
            return self.on_retired(pos, msg, wall);
        }
        match msg {
            ConnMsg::Open | ConnMsg::Drained { .. } => None,
            ConnMsg::Closed(reason) => {
                if is_successor {
                    // The reconnect URL failed: the old socket will be closed with 4004 anyway
                    // (docs/twitch.md §1.3 step 5); start over at the base URL now.
                    Some(self.lose(LossReason::HandoverFailed(reason.to_string())))
                } else if is_active {
                    // Also during a handover: the old socket died before the successor's
                    // welcome, so whether the subscriptions moved is unknown. Start over at
                    // the base URL and reconcile; the gap starts at the old socket's last frame.
                    Some(self.lose(reason))
                } else {
                    None
                }
            }
            ConnMsg::Text(text) => {
                let (incoming, sent_at) = parse_envelope(&text);
                for c in [self.active.as_mut(), self.successor.as_mut()].into_iter().flatten() {
                    if c.id == id {
                        c.last_seen = Instant::now();
                        c.last_seen_wall = wall;
                        // Only a frame Twitch stamped moves the gap start; a frame is handled
                        // a little after it arrived, so the stamp is the earlier, safer time.
                        if let Some(t) = sent_at {
                            c.last_frame_at = t.min(wall);
                        }
                    }
                }
                match incoming {
                    Incoming::Welcome { session_id, keepalive_secs } => {
                        let keepalive = Duration::from_secs(keepalive_secs.clamp(1, 600));
                        if is_successor {
                            // docs/twitch.md §1.3 step 3: switch over, then close the old one. It
                            // is still read until Twitch's close frame: frames sent on it before
                            // this welcome may still be on their way.
                            if let Some(mut old) = self.active.take() {
                                old.close();
                                self.retired.push(Retired {
                                    id: old.id,
                                    last_frame_at: old.last_frame_at,
                                    switched_at: wall,
                                });
                            }
                            let mut c = self.successor.take()?;
                            c.session_id = Some(session_id.clone());
                            c.keepalive = keepalive;
                            self.active = Some(c);
                            Some(SessionEvent::Welcome { session_id, handover: true, keepalive })
                        } else if is_active {
                            let c = self.active.as_mut()?;
                            if c.session_id.is_some() {
                                tracing::warn!("second welcome on one socket; ignored");
                                return None;
                            }
                            c.session_id = Some(session_id.clone());
                            c.keepalive = keepalive;
                            Some(SessionEvent::Welcome { session_id, handover: false, keepalive })
                        } else {
                            None
                        }
                    }
                    Incoming::Keepalive => None,
                    Incoming::Reconnect { url } => {
                        if !is_active || self.successor.is_some() {
                            return None;
                        }
                        match Url::parse(&url) {
                            Ok(u) if super::reconnect_url_allowed(&u, &self.config.url) => {
                                // docs/twitch.md §1.3 step 2: use it exactly as given.
                                let c = self.open(u);
                                self.successor = Some(c);
                                Some(SessionEvent::HandoverStarted)
                            }
                            // Not Twitch (nor the simulator standing in for it): never
                            // connected to; a fresh session at the base URL instead.
                            Ok(u) => Some(self.lose(LossReason::HandoverFailed(format!(
                                "reconnect_url refused, not a Twitch address: {}",
                                u.origin().ascii_serialization()
                            )))),
                            Err(e) => Some(self.lose(LossReason::HandoverFailed(format!(
                                "bad reconnect_url: {e}"
                            )))),
                        }
                    }
                    Incoming::Notification { .. } | Incoming::Revocation { .. } => {
                        // From any socket of ours, including one being closed: it was delivered.
                        Some(SessionEvent::Frame {
                            text,
                            incoming,
                            received_at: wall,
                            sent_at: sent_at.map_or(wall, |t| t.min(wall)),
                        })
                    }
                    Incoming::Other { message_type } => {
                        tracing::info!(message_type, "unknown EventSub message type; ignored");
                        None
                    }
                    Incoming::Malformed { error } => {
                        tracing::warn!(%error, "malformed EventSub frame; ignored");
                        Some(SessionEvent::Rejected { error })
                    }
                }
            }
        }
    }

    /// A message from the old socket of a handover: its frames are delivered as usual; its
    /// end is checked, because an end without Twitch's close frame may have cut off frames
    /// sent before the successor's welcome.
    fn on_retired(&mut self, pos: usize, msg: ConnMsg, wall: SystemTime) -> Option<SessionEvent> {
        let lost = match msg {
            ConnMsg::Open => return None,
            ConnMsg::Text(text) => {
                let (incoming, sent_at) = parse_envelope(&text);
                if let Some(t) = sent_at {
                    self.retired[pos].last_frame_at = t.min(wall);
                }
                return match incoming {
                    Incoming::Notification { .. } | Incoming::Revocation { .. } => {
                        Some(SessionEvent::Frame {
                            text,
                            incoming,
                            received_at: wall,
                            sent_at: sent_at.map_or(wall, |t| t.min(wall)),
                        })
                    }
                    Incoming::Malformed { error } => Some(SessionEvent::Rejected { error }),
                    _ => None,
                };
            }
            // Twitch closed it (with a code): everything before its close frame was read.
            ConnMsg::Closed(LossReason::Closed { .. }) | ConnMsg::Drained { clean: true } => None,
            ConnMsg::Closed(reason) => Some(reason),
            ConnMsg::Drained { clean: false } => {
                Some(LossReason::Dropped("no close frame from Twitch after a handover".into()))
            }
        };
        let r = self.retired.swap_remove(pos);
        lost.map(|reason| {
            tracing::warn!(%reason, "the old socket of a handover ended uncleanly");
            SessionEvent::OldSocketLost {
                last_seen: r.last_frame_at,
                switched_at: r.switched_at,
                reason,
            }
        })
    }
}
