//! Window benchmarks, through the egui_kittest harness (no GPU): the CPU time of one frame with
//! a 50-item and a 5,000-item run open, and the time from creating the app to the first frame
//! that shows a 5,000-item run. Run with `cargo bench --bench ui`; figures in docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use egui_kittest::Harness;
use preflight::store::{self, Library};
use preflight::ui::{App, AppConfig};

mod common;

fn open_app(home: &Path, run: &Path) -> Harness<'static, App> {
    let config = AppConfig {
        library: Some(Library::at(home.to_path_buf())),
        open: Some(run.to_path_buf()),
        user_name: Some("bench".into()),
        keys_dir: Some(home.join("keys")),
        native_chooser: Some(preflight::store::NativeChooser::Available),
        program: None,
    };
    let mut harness = Harness::builder().with_size([1280.0, 900.0]).with_max_steps(64).build_eframe(move |cc| App::new(cc, config));
    // The run loads on a worker; step until it is on screen.
    while harness.state().run_doc().is_none() {
        harness.step();
        std::thread::sleep(Duration::from_millis(1));
    }
    harness.run();
    harness
}

fn bench_frames(c: &mut Criterion) {
    let home = tempfile::tempdir().expect("a temporary folder");
    let mut group = c.benchmark_group("frame");
    group.sample_size(30).measurement_time(Duration::from_secs(4));
    for (name, sections, per_section) in [("run-50", 5, 10), ("run-5000", 50, 100)] {
        let path = home.path().join(format!("{name}.run.ron"));
        store::save_run(&path, &common::big_run(sections, per_section)).expect("the run saves");
        let mut harness = open_app(home.path(), &path);
        group.bench_function(name, |b| b.iter(|| harness.step()));
        // Keyboard navigation re-lays the rows and may scroll: the heavier frame.
        group.bench_function(format!("{name}-move-selection"), |b| {
            b.iter(|| {
                harness.key_press(egui::Key::J);
                harness.step();
            })
        });
    }
    group.finish();
}

fn bench_startup(c: &mut Criterion) {
    let home = tempfile::tempdir().expect("a temporary folder");
    let path = home.path().join("run-5000.run.ron");
    store::save_run(&path, &common::big_run(50, 100)).expect("the run saves");
    let mut group = c.benchmark_group("startup");
    group.sample_size(10).measurement_time(Duration::from_secs(6));
    group.bench_function("first-frame-with-run-5000", |b| {
        b.iter(|| {
            let started = Instant::now();
            let harness = open_app(home.path(), &path);
            black_box(harness.state().run_doc().map(|d| d.run().items.len()));
            started.elapsed()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_frames, bench_startup);
criterion_main!(benches);
