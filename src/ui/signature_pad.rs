//! The signature pad: draw with a mouse, pen or touch. Strokes are kept in 0–1 coordinates of
//! the pad (x right, y down), the form the run file and the PDF use, never as egui types.

use egui::{Color32, Pos2, Rect, Sense, Stroke as PenStroke, Vec2};

use crate::model::Stroke;

/// The pad's shape: wide, like the line on a paper form.
pub const PAD_SIZE: Vec2 = Vec2::new(420.0, 140.0);
/// Points closer than this (in pad fractions) to the last one are dropped, which keeps a
/// signature to a few hundred points without visibly changing it.
const MIN_STEP: f32 = 0.004;

#[derive(Debug, Clone, Default)]
pub struct SignaturePad {
    strokes: Vec<Vec<[f32; 2]>>,
    drawing: bool,
}

impl SignaturePad {
    pub fn is_empty(&self) -> bool {
        !self.strokes.iter().any(|s| !s.is_empty())
    }

    pub fn clear(&mut self) {
        self.strokes.clear();
        self.drawing = false;
    }

    /// The strokes, rounded to 1/10,000 of the pad so that the run file stays readable.
    pub fn strokes(&self) -> Vec<Stroke> {
        let round = |v: f32| (v * 10_000.0).round() / 10_000.0;
        self.strokes.iter().filter(|s| !s.is_empty()).map(|s| Stroke { points: s.iter().map(|[x, y]| [round(*x), round(*y)]).collect() }).collect()
    }

    pub fn ui(&mut self, ui: &mut egui::Ui) -> egui::Response {
        let (response, painter) = ui.allocate_painter(PAD_SIZE, Sense::drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Signature pad"));
        let rect = response.rect;
        let to_pad = |pos: Pos2| {
            let v = (pos - rect.min) / rect.size();
            [v.x.clamp(0.0, 1.0), v.y.clamp(0.0, 1.0)]
        };
        if response.drag_started() {
            self.strokes.push(Vec::new());
            self.drawing = true;
        }
        if self.drawing
            && let Some(pos) = response.interact_pointer_pos()
            && let Some(stroke) = self.strokes.last_mut()
        {
            let point = to_pad(pos);
            let far_enough = stroke.last().is_none_or(|[x, y]| (point[0] - x).hypot(point[1] - y) >= MIN_STEP);
            if far_enough {
                stroke.push(point);
            }
        }
        if response.drag_stopped() {
            self.drawing = false;
        }

        let visuals = ui.visuals();
        let (paper, ink) = if visuals.dark_mode {
            (Color32::from_gray(235), Color32::from_rgb(20, 30, 90))
        } else {
            (Color32::WHITE, Color32::from_rgb(20, 30, 90))
        };
        painter.rect_filled(rect, 4.0, paper);
        painter.rect_stroke(rect, 4.0, visuals.widgets.inactive.bg_stroke, egui::StrokeKind::Inside);
        let baseline = rect.bottom() - rect.height() * 0.22;
        painter.line_segment(
            [Pos2::new(rect.left() + 16.0, baseline), Pos2::new(rect.right() - 16.0, baseline)],
            PenStroke::new(1.0, Color32::from_gray(170)),
        );
        painter.text(
            Pos2::new(rect.left() + 18.0, baseline + 4.0),
            egui::Align2::LEFT_TOP,
            "✕",
            egui::FontId::proportional(12.0),
            Color32::from_gray(140),
        );
        if self.is_empty() {
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Sign here with mouse, pen or touch",
                egui::FontId::proportional(14.0),
                Color32::from_gray(150),
            );
        }
        let to_screen = |[x, y]: [f32; 2]| rect.min + Vec2::new(x, y) * rect.size();
        for stroke in &self.strokes {
            match stroke.as_slice() {
                [] => {}
                [dot] => drop(painter.circle_filled(to_screen(*dot), 1.6, ink)),
                points => drop(painter.add(egui::Shape::line(points.iter().map(|p| to_screen(*p)).collect(), PenStroke::new(2.2, ink)))),
            }
        }
        response
    }
}

/// Draws recorded strokes, scaled into `rect`: for showing a signature that was made.
pub fn paint_strokes(painter: &egui::Painter, rect: Rect, strokes: &[Stroke], color: Color32) {
    let to_screen = |[x, y]: [f32; 2]| rect.min + Vec2::new(x, y) * rect.size();
    for stroke in strokes {
        match stroke.points.as_slice() {
            [] => {}
            [dot] => drop(painter.circle_filled(to_screen(*dot), 1.0, color)),
            points => drop(painter.add(egui::Shape::line(points.iter().map(|p| to_screen(*p)).collect(), PenStroke::new(1.4, color)))),
        }
    }
}
