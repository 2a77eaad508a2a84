//! Restoring ARCHIVE and DEEP_ARCHIVE objects (`POST ?restore`): a temporary readable copy for some days,
//! fetched at the speed of a tier. Its progress is in HEAD's `x-cos-restore` ([`crate::ObjectInfo::restore`]).

use super::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::options::RequestOptions;

/// How fast COS restores: `Expedited` (minutes, ARCHIVE only), `Standard` (hours), `Bulk` (the slowest and
/// cheapest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreTier {
    Expedited,
    Standard,
    Bulk,
}

impl RestoreTier {
    pub fn as_str(self) -> &'static str {
        match self {
            RestoreTier::Expedited => "Expedited",
            RestoreTier::Standard => "Standard",
            RestoreTier::Bulk => "Bulk",
        }
    }

    /// A tier by its COS name (`Expedited`, `Standard`, `Bulk`; exact case).
    pub fn parse(name: &str) -> Result<RestoreTier> {
        [RestoreTier::Expedited, RestoreTier::Standard, RestoreTier::Bulk]
            .into_iter()
            .find(|t| t.as_str() == name)
            .ok_or_else(|| Error::invalid(format!("restore tier must be Expedited, Standard or Bulk, got {name:?}")))
    }
}

/// The `<RestoreRequest>` body.
fn restore_body(days: u32, tier: RestoreTier) -> String {
    format!(
        "<RestoreRequest><Days>{days}</Days><CASJobParameters><Tier>{}</Tier></CASJobParameters></RestoreRequest>",
        tier.as_str()
    )
}

impl Client {
    /// Asks COS to restore an archived object for `days` days (at least 1) at `tier`. `opts` may address a
    /// version. COS answers 202 for a new restore and 200 when it extends a finished one; a restore already
    /// running fails with code `RestoreAlreadyInProgress`, an object not archived with `InvalidObjectState`.
    pub fn restore_object(
        &self,
        bucket: &str,
        key: &str,
        days: u32,
        tier: RestoreTier,
        opts: &RequestOptions,
    ) -> Result<ObjectInfo> {
        if days == 0 {
            return Err(Error::invalid("restore days must be at least 1 (how long the restored copy stays)"));
        }
        let target = self.object(bucket, key)?;
        let body = restore_body(days, tier);
        Ok(self.subresource_in(&Call::new(self.config()), "POST", target, "restore", body.as_bytes(), opts)?.info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_and_tiers() {
        assert_eq!(
            restore_body(3, RestoreTier::Bulk),
            "<RestoreRequest><Days>3</Days><CASJobParameters><Tier>Bulk</Tier></CASJobParameters></RestoreRequest>"
        );
        for t in [RestoreTier::Expedited, RestoreTier::Standard, RestoreTier::Bulk] {
            assert_eq!(RestoreTier::parse(t.as_str()).unwrap(), t);
        }
        for bad in ["standard", "Fast", ""] {
            let e = RestoreTier::parse(bad).unwrap_err();
            assert!(e.message().contains("Expedited, Standard or Bulk") && e.message().contains(&format!("{bad:?}")));
        }
    }
}
