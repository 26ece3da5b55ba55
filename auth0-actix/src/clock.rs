//! Time, behind a trait so that tests can move it instead of sleeping.
//!
//! Every time-dependent decision — token `exp`/`nbf`, proof `iat`, cache freshness, staleness,
//! cooldowns — reads the configured [`Clock`]. The default is the system clock, which is a wall
//! clock and may step back (NTP, a restored VM): the key caches then treat copies and cooldowns
//! stamped in the future as over, so a step back never stretches a lifetime or a cooldown.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
///
/// ```
/// use std::time::Duration;
/// use auth0_actix::{Clock, SystemClock};
/// assert!(SystemClock.now() > Duration::from_secs(1_700_000_000));
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Time since the Unix epoch.
    fn now(&self) -> Duration;
}

/// The system's wall clock (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }
}

impl fmt::Debug for dyn Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// A clock that moves only when told to, for tests. Clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use auth0_actix::{testing::ManualClock, Clock};
/// let clock = ManualClock::starting_now();
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(31));
/// assert_eq!(clock.now() - t0, Duration::from_secs(31));
/// ```
#[cfg(feature = "testing")]
#[derive(Debug, Clone)]
pub struct ManualClock(std::sync::Arc<std::sync::atomic::AtomicU64>);

#[cfg(feature = "testing")]
impl ManualClock {
    /// A clock set to the system time now.
    pub fn starting_now() -> Self {
        Self::at(SystemClock.now())
    }

    /// A clock set to `since_epoch`.
    pub fn at(since_epoch: Duration) -> Self {
        ManualClock(std::sync::Arc::new(std::sync::atomic::AtomicU64::new(
            u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX),
        )))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.0
            .fetch_add(by.as_millis() as u64, std::sync::atomic::Ordering::SeqCst);
    }

    /// Sets the clock to `since_epoch`, which may lie in the past: a wall clock can step back.
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::{testing::ManualClock, Clock};
    /// let clock = ManualClock::at(Duration::from_secs(1_000));
    /// clock.set(Duration::from_secs(400));
    /// assert_eq!(clock.now(), Duration::from_secs(400));
    /// ```
    pub fn set(&self, since_epoch: Duration) {
        self.0.store(
            u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX),
            std::sync::atomic::Ordering::SeqCst,
        );
    }
}

#[cfg(feature = "testing")]
impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}
