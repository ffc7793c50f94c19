//! Charity campaigns and donations, and the amount of money they carry (docs/twitch.md §2).

use serde::{Deserialize, Serialize};

/// An amount of money (`value` in minor units with `decimal_places`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Amount {
    /// Value in the smallest unit, e.g. 550 for 5.50.
    pub value: i64,
    /// Decimal places of `value`.
    pub decimal_places: u32,
    /// ISO 4217 currency code.
    pub currency: String,
}

impl Amount {
    /// `5.50 USD`.
    pub fn display(&self) -> String {
        let places = self.decimal_places.min(9);
        let div = 10i64.pow(places);
        if places == 0 || div == 0 {
            return format!("{} {}", self.value, self.currency);
        }
        let sign = if self.value < 0 { "-" } else { "" };
        let abs = self.value.unsigned_abs();
        let div = div.unsigned_abs();
        format!(
            "{sign}{}.{:0width$} {}",
            abs / div,
            abs % div,
            self.currency,
            width = places as usize
        )
    }
}

/// `channel.charity_campaign.donate`. The channel is `broadcaster_user_*` in the field table and
/// `broadcaster_*` in the docs' own example payload
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelcharity_campaigndonate>);
/// both are read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct CharityDonation {
    /// Donation id.
    pub id: String,
    /// Campaign id.
    pub campaign_id: String,
    /// The channel's user id.
    #[serde(alias = "broadcaster_id")]
    pub broadcaster_user_id: String,
    /// The channel's login.
    #[serde(alias = "broadcaster_login")]
    pub broadcaster_user_login: String,
    /// The channel's display name.
    #[serde(alias = "broadcaster_name")]
    pub broadcaster_user_name: String,
    /// The donor's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The charity.
    pub charity_name: String,
    /// The amount.
    pub amount: Amount,
}

/// `channel.charity_campaign.start` / `.progress` / `.stop`; the channel in either spelling, as
/// [`CharityDonation`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct CharityCampaign {
    /// Campaign id.
    pub id: String,
    /// The channel's user id.
    #[serde(alias = "broadcaster_id")]
    pub broadcaster_user_id: String,
    /// The channel's login.
    #[serde(alias = "broadcaster_login")]
    pub broadcaster_user_login: String,
    /// The channel's display name.
    #[serde(alias = "broadcaster_name")]
    pub broadcaster_user_name: String,
    /// The charity.
    pub charity_name: String,
    /// Raised so far.
    pub current_amount: Amount,
    /// Target.
    pub target_amount: Amount,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_display() {
        let a = Amount { value: 550, decimal_places: 2, currency: "USD".into() };
        assert_eq!(a.display(), "5.50 USD");
        let a = Amount { value: 7, decimal_places: 0, currency: "EUR".into() };
        assert_eq!(a.display(), "7 EUR");
    }
}
