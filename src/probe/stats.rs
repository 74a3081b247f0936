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

    /// Adds `p50`, `p95`, `p99`, `avg`, `min`, `max`, `median`, each percentile in `wanted`
    /// (0–100, as `p(99.9)`), `count`, `error_rate` and `rps` for `total` attempts in `elapsed`.
    pub fn observe(&self, observed: &mut Observed, errors: u64, total: u64, elapsed: Duration, wanted: &[f64]) {
        if self.count() > 0 {
            let ms = |micros: f64| Value::Duration(micros / 1000.0);
            observed.values.insert("p50".into(), Value::Duration(self.percentile_ms(0.50)));
            observed.values.insert("p95".into(), Value::Duration(self.percentile_ms(0.95)));
            observed.values.insert("p99".into(), Value::Duration(self.percentile_ms(0.99)));
            observed.values.insert("median".into(), Value::Duration(self.percentile_ms(0.50)));
            observed.values.insert("avg".into(), ms(self.histogram.mean()));
            observed.values.insert("min".into(), ms(self.histogram.min() as f64));
            observed.values.insert("max".into(), ms(self.histogram.max() as f64));
            for q in wanted {
                observed.values.insert(super::condition::percentile_name(*q), Value::Duration(self.percentile_ms(q / 100.0)));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_minimum_maximum_median_and_any_percentile() {
        let mut latencies = Latencies::new();
        for ms in 1..=1000 {
            latencies.record(Duration::from_millis(ms));
        }
        let mut observed = Observed::default();
        latencies.observe(&mut observed, 0, 1000, Duration::from_secs(1), &[99.9, 10.0]);
        let ms = |name: &str| match observed.values.get(name) {
            Some(Value::Duration(ms)) => *ms,
            other => panic!("{name}: {other:?}"),
        };
        let near = |name: &str, want: f64| assert!((ms(name) - want).abs() <= want * 0.002 + 0.01, "{name}: {} against {want}", ms(name));
        near("min", 1.0);
        near("max", 1000.0);
        near("avg", 500.5);
        near("median", 500.0);
        near("p(99.9)", 999.0);
        near("p(10)", 100.0);
    }
}
