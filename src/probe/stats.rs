//! Latency statistics for sampled and load probes: an HDR histogram of microseconds.

use std::time::Duration;

use hdrhistogram::Histogram;

use crate::model::{Observed, Value};

pub struct Latencies {
    histogram: Histogram<u64>,
}

impl Default for Latencies {
    fn default() -> Self {
        Self::new()
    }
}

impl Latencies {
    pub fn new() -> Latencies {
        // Creation fails only for a precision above 5 significant figures; 3 is valid.
        #[allow(clippy::expect_used, reason = "3 significant figures is a valid precision")]
        let mut histogram = Histogram::new(3).expect("3 significant figures is a valid precision");
        histogram.auto(true);
        Latencies { histogram }
    }

    pub fn record(&mut self, latency: Duration) {
        // With auto-resize on, recording only fails for values beyond u64, which a Duration in
        // microseconds of a real request never reaches.
        let _ = self.histogram.record(latency.as_micros().min(u128::from(u64::MAX)) as u64);
    }

    pub fn merge(&mut self, other: &Latencies) {
        let _ = self.histogram.add(&other.histogram);
    }

    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    fn percentile_ms(&self, q: f64) -> f64 {
        self.histogram.value_at_quantile(q) as f64 / 1000.0
    }

    /// Adds `p50`, `p95`, `p99`, `count`, `error_rate` and `rps` for `total` attempts in `elapsed`.
    pub fn observe(&self, observed: &mut Observed, errors: u64, total: u64, elapsed: Duration) {
        if self.count() > 0 {
            observed.values.insert("p50".into(), Value::Duration(self.percentile_ms(0.50)));
            observed.values.insert("p95".into(), Value::Duration(self.percentile_ms(0.95)));
            observed.values.insert("p99".into(), Value::Duration(self.percentile_ms(0.99)));
            observed.values.entry("response_time".into()).or_insert(Value::Duration(self.percentile_ms(0.50)));
        }
        observed.values.insert("count".into(), Value::Number(total as f64));
        if total > 0 {
            observed.values.insert("error_rate".into(), Value::Percent(errors as f64 * 100.0 / total as f64));
        }
        let seconds = elapsed.as_secs_f64();
        if seconds > 0.0 {
            observed.values.insert("rps".into(), Value::Number(total as f64 / seconds));
        }
    }
}
