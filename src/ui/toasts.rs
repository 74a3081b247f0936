//! Messages for the user: errors stay until dismissed, notices fade after a few seconds.

use std::time::{Duration, Instant};

const NOTICE_LIFETIME: Duration = Duration::from_secs(4);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToastKind {
    Notice,
    Error,
}

#[derive(Debug, Clone)]
pub struct Toast {
    pub kind: ToastKind,
    pub text: String,
    shown_at: Instant,
}

#[derive(Debug, Default)]
pub struct Toasts {
    toasts: Vec<Toast>,
}

impl Toasts {
    pub fn notice(&mut self, text: impl Into<String>) {
        self.toasts.push(Toast { kind: ToastKind::Notice, text: text.into(), shown_at: Instant::now() });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        let text = text.into();
        // The same error twice in a row (a retried save) is shown once.
        if self.toasts.last().is_some_and(|t| t.kind == ToastKind::Error && t.text == text) {
            return;
        }
        self.toasts.push(Toast { kind: ToastKind::Error, text, shown_at: Instant::now() });
    }

    pub fn errors(&self) -> impl Iterator<Item = &Toast> {
        self.toasts.iter().filter(|t| t.kind == ToastKind::Error)
    }

    pub fn all(&self) -> &[Toast] {
        &self.toasts
    }

    pub fn dismiss(&mut self, index: usize) {
        if index < self.toasts.len() {
            self.toasts.remove(index);
        }
    }

    /// Drops expired notices; returns how long until the next one expires, so that the app can
    /// ask for exactly one repaint then instead of repainting every frame.
    pub fn expire(&mut self) -> Option<Duration> {
        let now = Instant::now();
        self.toasts.retain(|t| t.kind == ToastKind::Error || now.duration_since(t.shown_at) < NOTICE_LIFETIME);
        self.toasts.iter().filter(|t| t.kind == ToastKind::Notice).map(|t| NOTICE_LIFETIME.saturating_sub(now.duration_since(t.shown_at))).min()
    }
}
