//! Where a remembered window may open: a window comes back where it was only if the user can
//! still see and grab it on the screens there are now; a window left on a monitor that is gone
//! (or mostly off every screen) is moved onto the nearest one (docs/ui.md "Streamer window").
//!
//! The rule ([`place_on_screens`]), in logical pixels, against each monitor's **work area** (the
//! monitor less its panels and docks):
//!
//! - **Kept** where it was when both hold: its title strip (the top [`TITLE_STRIP`] pixels, where
//!   the title bar is) lies at least half its height and [`GRAB_WIDTH`] pixels wide (all of it in
//!   a narrower window) inside one work area, so it can be grabbed and dragged; and at least
//!   [`VISIBLE_SHARE`] of its area is on the work areas.
//! - Otherwise **moved** onto the work area nearest to its centre: shrunk to fit if it is larger,
//!   then shifted the least distance that puts it wholly inside.
//! - With no monitor known (the platform said none), nothing is moved.
//!
//! Pure (the app asks Tauri for the monitors), so it is tested here with a proptest.

use super::WindowGeometry;

/// The top of a window that holds its title bar (logical pixels): the remembered position is
/// the window frame's top-left corner, and the title bar is under it.
pub const TITLE_STRIP: f64 = 40.0;
/// How much of the title strip's width must be on one screen for the window to be grabbed and
/// dragged (logical pixels); a narrower window needs all of its width.
pub const GRAB_WIDTH: f64 = 160.0;
/// The least share of a window's area that must be on the screens for it to stay where it was.
pub const VISIBLE_SHARE: f64 = 0.5;

/// Rounding slack in comparisons (logical pixels): sums of fractional pixels must not turn a
/// window wholly on a screen into one a hair off it.
const SLACK: f64 = 1e-6;

/// A rectangle in logical pixels: a monitor's work area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width; a rectangle without width or height is ignored.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl Rect {
    /// Whether the rectangle has a finite, positive size (the only ones a window can go on).
    fn usable(&self) -> bool {
        [self.x, self.y, self.width, self.height].iter().all(|v| v.is_finite())
            && self.width > 0.0
            && self.height > 0.0
    }

    /// The size of the overlap with `other` as (width, height), zero when apart.
    fn overlap(&self, other: &Rect) -> (f64, f64) {
        let w = (self.x + self.width).min(other.x + other.width) - self.x.max(other.x);
        let h = (self.y + self.height).min(other.y + other.height) - self.y.max(other.y);
        (w.max(0.0), h.max(0.0))
    }

    /// Whether `other` lies wholly inside this rectangle.
    pub fn contains(&self, other: &Rect) -> bool {
        other.x + SLACK >= self.x
            && other.y + SLACK >= self.y
            && other.x + other.width <= self.x + self.width + SLACK
            && other.y + other.height <= self.y + self.height + SLACK
    }

    /// The distance from the point (`px`, `py`) to this rectangle (zero inside).
    fn distance_to(&self, px: f64, py: f64) -> f64 {
        let dx = (self.x - px).max(px - (self.x + self.width)).max(0.0);
        let dy = (self.y - py).max(py - (self.y + self.height)).max(0.0);
        dx.hypot(dy)
    }
}

/// The rectangle a remembered window covers.
pub fn rect_of(g: &WindowGeometry) -> Rect {
    Rect { x: g.x, y: g.y, width: g.width, height: g.height }
}

/// Why a window was moved ([`Placed::moved`]), for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveReason {
    /// Its title bar is on no screen: it could not be grabbed.
    TitleBarOffScreen,
    /// Its title bar is reachable but less than [`VISIBLE_SHARE`] of it is on the screens.
    MostlyOffScreen,
}

impl std::fmt::Display for MoveReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MoveReason::TitleBarOffScreen => "its title bar is on no screen",
            MoveReason::MostlyOffScreen => "most of it is off the screens",
        })
    }
}

/// Where a window opens ([`place_on_screens`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// The place and size to open at (the rest of the remembered geometry unchanged).
    pub geometry: WindowGeometry,
    /// Why it was moved, and the index of the work area it was moved onto; `None` when kept.
    pub moved: Option<(MoveReason, usize)>,
}

/// Whether a window at `g` can stay there with these work areas (see the module's rule); the
/// reason it cannot, if not.
pub fn off_screen_reason(g: &WindowGeometry, areas: &[Rect]) -> Option<MoveReason> {
    let win = rect_of(g);
    if ![win.x, win.y, win.width, win.height].iter().all(|v| v.is_finite())
        || win.width <= 0.0
        || win.height <= 0.0
    {
        return Some(MoveReason::TitleBarOffScreen);
    }
    let strip = Rect { height: win.height.min(TITLE_STRIP), ..win };
    let grab = win.width.min(GRAB_WIDTH);
    let grabbable = areas.iter().filter(|a| a.usable()).any(|a| {
        let (w, h) = a.overlap(&strip);
        w + SLACK >= grab && h + SLACK >= strip.height / 2.0
    });
    if !grabbable {
        return Some(MoveReason::TitleBarOffScreen);
    }
    let seen: f64 = areas
        .iter()
        .filter(|a| a.usable())
        .map(|a| {
            let (w, h) = a.overlap(&win);
            w * h
        })
        .sum();
    (seen + SLACK < VISIBLE_SHARE * win.width * win.height).then_some(MoveReason::MostlyOffScreen)
}

/// Where a window remembered at `g` opens, given the monitors' work areas now (logical pixels):
/// where it was if the user can see and grab it there, else on the nearest work area, shrunk
/// to fit and shifted inside (the module's rule). Everything but the place and size
/// (maximised, dividers) is kept.
pub fn place_on_screens(g: WindowGeometry, areas: &[Rect]) -> Placed {
    let Some(reason) = off_screen_reason(&g, areas) else {
        return Placed { geometry: g, moved: None };
    };
    let (cx, cy) = (g.x + g.width / 2.0, g.y + g.height / 2.0);
    let nearest = areas
        .iter()
        .enumerate()
        .filter(|(_, a)| a.usable())
        .map(|(i, a)| {
            // A window with no sensible place is nearest to the first screen.
            let d = if cx.is_finite() && cy.is_finite() { a.distance_to(cx, cy) } else { 0.0 };
            (i, a, d)
        })
        .min_by(|x, y| x.2.total_cmp(&y.2));
    let Some((index, area, _)) = nearest else {
        return Placed { geometry: g, moved: None };
    };
    let fit =
        |size: f64, room: f64| if size.is_finite() && size > 0.0 { size.min(room) } else { room };
    let width = fit(g.width, area.width);
    let height = fit(g.height, area.height);
    let shift = |v: f64, lo: f64, room: f64, size: f64| {
        if v.is_finite() { v.clamp(lo, lo + room - size) } else { lo }
    };
    let geometry = WindowGeometry {
        x: shift(g.x, area.x, area.width, width),
        y: shift(g.y, area.y, area.height, height),
        width,
        height,
        ..g
    };
    Placed { geometry, moved: Some((reason, index)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HD: Rect = Rect { x: 0.0, y: 0.0, width: 1920.0, height: 1080.0 };

    fn at(x: f64, y: f64, width: f64, height: f64) -> WindowGeometry {
        WindowGeometry { x, y, width, height, ..WindowGeometry::default() }
    }

    #[test]
    fn a_window_on_a_monitor_that_is_gone_moves_onto_the_one_there_is_keeping_its_size() {
        let g = WindowGeometry {
            maximized: true,
            chat_width: Some(420.0),
            ..at(5000.0, 3000.0, 1280.0, 800.0)
        };
        let placed = place_on_screens(g, &[HD]);
        assert_eq!(placed.moved, Some((MoveReason::TitleBarOffScreen, 0)));
        let p = placed.geometry;
        assert_eq!(
            (p.x, p.y, p.width, p.height),
            (640.0, 280.0, 1280.0, 800.0),
            "pushed into the corner nearest to where it was"
        );
        assert!(p.maximized && p.chat_width == Some(420.0), "the rest is kept: {p:?}");
    }

    #[test]
    fn a_window_larger_than_the_screen_is_shrunk_to_fit() {
        let placed = place_on_screens(at(-3000.0, 100.0, 2560.0, 1440.0), &[HD]);
        assert_eq!(placed.geometry, at(0.0, 0.0, 1920.0, 1080.0));
    }

    #[test]
    fn a_window_partly_off_the_screen_stays_if_its_title_bar_can_be_grabbed() {
        // Right half off the screen, title bar on it: the user put it there.
        let g = at(1400.0, 200.0, 1000.0, 600.0);
        assert_eq!(place_on_screens(g, &[HD]).moved, None);
        // Title bar above the top of the screen: moved down.
        let g = at(100.0, -30.0, 1000.0, 600.0);
        let placed = place_on_screens(g, &[HD]);
        assert_eq!(placed.moved, Some((MoveReason::TitleBarOffScreen, 0)));
        assert_eq!((placed.geometry.x, placed.geometry.y), (100.0, 0.0));
        // Title bar reachable but most of it below the screen.
        let g = at(100.0, 900.0, 1000.0, 600.0);
        assert_eq!(place_on_screens(g, &[HD]).moved, Some((MoveReason::MostlyOffScreen, 0)));
        // Only a corner of the title bar on the screen: not enough to grab.
        let g = at(1850.0, 100.0, 1000.0, 600.0);
        assert_eq!(
            place_on_screens(g, &[HD]).moved.map(|m| m.0),
            Some(MoveReason::TitleBarOffScreen)
        );
    }

    #[test]
    fn the_nearest_of_two_monitors_takes_the_window() {
        // A second monitor right of the first, 1280×1024; the window was on a third, gone, to
        // the right of both.
        let right = Rect { x: 1920.0, y: 0.0, width: 1280.0, height: 1024.0 };
        let placed = place_on_screens(at(3500.0, 500.0, 800.0, 600.0), &[HD, right]);
        assert_eq!(placed.moved.map(|m| m.1), Some(1));
        assert_eq!((placed.geometry.x, placed.geometry.y), (2400.0, 424.0));
        // A window spanning both monitors stays.
        assert_eq!(place_on_screens(at(1500.0, 100.0, 900.0, 600.0), &[HD, right]).moved, None);
    }

    #[test]
    fn with_no_monitor_known_nothing_moves() {
        let g = at(5000.0, 3000.0, 1280.0, 800.0);
        assert_eq!(place_on_screens(g, &[]).geometry, g);
        let empty = Rect { width: 0.0, ..HD };
        assert_eq!(place_on_screens(g, &[empty]).moved, None);
    }

    fn area() -> impl Strategy<Value = Rect> {
        (-4000i32..4000, -3000i32..3000, 320i32..4000, 240i32..2400).prop_map(|(x, y, w, h)| Rect {
            x: f64::from(x),
            y: f64::from(y),
            width: f64::from(w),
            height: f64::from(h),
        })
    }

    fn window() -> impl Strategy<Value = WindowGeometry> {
        (-9000.0..9000.0f64, -9000.0..9000.0f64, 1.0..5000.0f64, 1.0..5000.0f64)
            .prop_map(|(x, y, w, h)| at(x, y, w, h))
    }

    proptest! {
        #[test]
        fn a_placed_window_is_where_it_was_and_reachable_or_wholly_inside_one_screen(
            g in window(),
            areas in proptest::collection::vec(area(), 1..4),
        ) {
            let placed = place_on_screens(g, &areas);
            let p = placed.geometry;
            match placed.moved {
                None => {
                    prop_assert_eq!(p, g);
                    prop_assert_eq!(off_screen_reason(&p, &areas), None);
                }
                Some((_, i)) => {
                    prop_assert!(areas[i].contains(&rect_of(&p)), "{:?} not inside {:?}", p, areas[i]);
                    prop_assert!(p.width <= g.width && p.height <= g.height, "never grown");
                    prop_assert_eq!(off_screen_reason(&p, &areas), None);
                    prop_assert_eq!(place_on_screens(p, &areas).moved, None, "placed once for all");
                }
            }
        }

        #[test]
        fn a_window_wholly_on_a_screen_is_left_alone(
            areas in proptest::collection::vec(area(), 1..4),
            pick in 0usize..3,
            fx in 0.0..1.0f64, fy in 0.0..1.0f64, fw in 0.01..1.0f64, fh in 0.01..1.0f64,
        ) {
            let a = areas[pick % areas.len()];
            let (width, height) = (a.width * fw, a.height * fh);
            let g = at(a.x + (a.width - width) * fx, a.y + (a.height - height) * fy, width, height);
            let placed = place_on_screens(g, &areas);
            prop_assert_eq!(placed.moved, None);
            prop_assert_eq!(placed.geometry, g);
        }
    }
}
