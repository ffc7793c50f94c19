//! The desktop around the app, for the tray's tests: a stand-in tray host
//! (`org.kde.StatusNotifierWatcher`) on the test's session bus, the app's icon reached as a tray
//! host reaches it (its `org.kde.StatusNotifierItem` properties and its `com.canonical.dbusmenu`
//! menu), and the X server's own view of the app's windows (which are mapped, and closing one as
//! a window manager does, with `WM_DELETE_WINDOW`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

/// A stand-in tray host: owns `org.kde.StatusNotifierWatcher` on the session bus, as a desktop
/// with a tray does (freedesktop's StatusNotifierItem specification), and records the icons
/// that register with it. Dropping it leaves the bus without a tray.
pub struct StatusNotifierWatcher {
    /// Keeps the bus name; dropping it releases the name.
    conn: zbus::blocking::Connection,
    /// `(bus name, object path or service)` of every icon registered so far.
    items: Arc<Mutex<Vec<(String, String)>>>,
}

struct WatcherIface {
    items: Arc<Mutex<Vec<(String, String)>>>,
}

// The methods and properties of the specification's StatusNotifierWatcher.
#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl WatcherIface {
    fn register_status_notifier_item(
        &self,
        service: String,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        if let Ok(mut v) = self.items.lock() {
            v.push((sender, service));
        }
    }

    fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items
            .lock()
            .map(|v| v.iter().map(|(s, p)| format!("{s}{p}")).collect())
            .unwrap_or_default()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

impl StatusNotifierWatcher {
    /// Takes the watcher's name on the session bus (the test runs inside `dbus-run-session`).
    pub fn start() -> StatusNotifierWatcher {
        let items = Arc::new(Mutex::new(Vec::new()));
        let conn = zbus::blocking::connection::Builder::session()
            .and_then(|b| b.name("org.kde.StatusNotifierWatcher"))
            .and_then(|b| {
                b.serve_at("/StatusNotifierWatcher", WatcherIface { items: items.clone() })
            })
            .and_then(|b| b.build())
            .expect("own org.kde.StatusNotifierWatcher (run under dbus-run-session)");
        StatusNotifierWatcher { conn, items }
    }

    /// Forgets the icons registered so far (an earlier launch's).
    pub fn forget(&self) {
        if let Ok(mut v) = self.items.lock() {
            v.clear();
        }
    }

    /// Waits (up to 30 s) for an icon to register; returns it.
    pub async fn wait_for_item(&self) -> TrayItem {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let first = self.items.lock().ok().and_then(|v| v.first().cloned());
            if let Some((bus_name, service)) = first {
                return TrayItem::new(&self.conn, bus_name, service);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no tray icon registered with the StatusNotifierWatcher within 30 s");
    }
}

/// The app's tray icon, as a tray host sees it on the bus.
pub struct TrayItem {
    conn: zbus::blocking::Connection,
    /// The icon's owner on the bus (the app's unique name).
    pub bus_name: String,
    /// The icon's object path (what libayatana registers).
    pub path: String,
}

/// One entry of the icon's menu (`com.canonical.dbusmenu` `GetLayout`).
#[derive(Debug, Clone, PartialEq)]
pub struct MenuEntry {
    /// The item's id, for `Event`.
    pub id: i32,
    /// Its label ("" for a separator).
    pub label: String,
    /// Whether it can be clicked.
    pub enabled: bool,
}

impl TrayItem {
    fn new(conn: &zbus::blocking::Connection, bus_name: String, service: String) -> TrayItem {
        // The specification lets an icon register its object path or its bus name.
        let path =
            if service.starts_with('/') { service } else { "/StatusNotifierItem".to_string() };
        TrayItem { conn: conn.clone(), bus_name, path }
    }

    /// A property of the icon's `org.kde.StatusNotifierItem` interface.
    pub fn property(&self, name: &str) -> OwnedValue {
        let reply = self
            .conn
            .call_method(
                Some(self.bus_name.as_str()),
                self.path.as_str(),
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("org.kde.StatusNotifierItem", name),
            )
            .unwrap_or_else(|e| panic!("read the icon's {name}: {e}"));
        reply.body().deserialize::<OwnedValue>().expect("a property value")
    }

    /// The icon's `IconName` (libayatana: the path of the icon file it was given).
    pub fn icon_name(&self) -> String {
        String::try_from(self.property("IconName")).expect("IconName is a string")
    }

    /// The object path of the icon's menu (its `Menu` property).
    pub fn menu_path(&self) -> String {
        let p = OwnedObjectPath::try_from(self.property("Menu")).expect("Menu is an object path");
        p.as_str().to_string()
    }

    /// The object's introspection XML (what the app really exports at `path`).
    pub fn introspect(&self, path: &str) -> String {
        let reply = self
            .conn
            .call_method(
                Some(self.bus_name.as_str()),
                path,
                Some("org.freedesktop.DBus.Introspectable"),
                "Introspect",
                &(),
            )
            .expect("introspect");
        reply.body().deserialize::<String>().expect("XML")
    }

    /// Every entry of the menu, depth first (`GetLayout(0, -1, [])`).
    pub fn menu(&self) -> Vec<MenuEntry> {
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let reply = self
            .conn
            .call_method(
                Some(self.bus_name.as_str()),
                self.menu_path().as_str(),
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0i32, -1i32, Vec::<String>::new()),
            )
            .expect("GetLayout");
        let (_revision, (id, props, children)): (u32, Layout) =
            reply.body().deserialize().expect("a dbusmenu layout");
        let mut out = vec![entry(id, &props)];
        for c in &children {
            walk(c, &mut out);
        }
        out
    }

    /// Waits (up to 30 s) until the menu has an entry whose label satisfies `pred`; returns it.
    pub async fn wait_for_entry(&self, what: &str, pred: impl Fn(&str) -> bool) -> MenuEntry {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = Vec::new();
        while Instant::now() < deadline {
            last = self.menu();
            if let Some(e) = last.iter().find(|e| pred(&e.label)) {
                return e.clone();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the tray's menu never had {what} within 30 s; it had {last:#?}");
    }

    /// Clicks a menu entry as a tray host does (`Event(id, "clicked", 0, 0)`).
    pub fn click(&self, entry: &MenuEntry) {
        self.conn
            .call_method(
                Some(self.bus_name.as_str()),
                self.menu_path().as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(entry.id, "clicked", Value::I32(0), 0u32),
            )
            .unwrap_or_else(|e| panic!("click {:?} in the tray's menu: {e}", entry.label));
    }
}

fn entry(id: i32, props: &HashMap<String, OwnedValue>) -> MenuEntry {
    let label = props
        .get("label")
        .and_then(|v| String::try_from(v.try_clone().ok()?).ok())
        .unwrap_or_default()
        // GTK's mnemonic marker.
        .replace('_', "");
    let enabled = props.get("enabled").and_then(|v| bool::try_from(v).ok()).unwrap_or(true);
    MenuEntry { id, label, enabled }
}

fn walk(v: &Value<'_>, out: &mut Vec<MenuEntry>) {
    match v {
        Value::Value(inner) => walk(inner, out),
        Value::Structure(s) => {
            let f = s.fields();
            let (Some(Value::I32(id)), Some(Value::Dict(d))) = (f.first(), f.get(1)) else {
                return;
            };
            let props: HashMap<String, OwnedValue> =
                HashMap::try_from(d.try_clone().expect("clone the properties")).unwrap_or_default();
            out.push(entry(*id, &props));
            if let Some(Value::Array(children)) = f.get(2) {
                for c in children.iter() {
                    walk(c, out);
                }
            }
        }
        _ => {}
    }
}

/// The X server's top-level windows: `(id, name, mapped)`. With no window manager (Xvfb), the
/// app's windows are the root's children; a hidden window is unmapped (or not created yet).
pub fn top_level_windows() -> Vec<(u64, String, bool)> {
    use x11_dl::xlib;
    let xl = xlib::Xlib::open().expect("libX11");
    let mut out = Vec::new();
    // SAFETY: plain Xlib calls on a display this function opens and closes; every pointer
    // Xlib returns is checked and freed with XFree.
    unsafe {
        (xl.XSetErrorHandler)(Some(ignore_x_errors));
        let d = (xl.XOpenDisplay)(std::ptr::null());
        assert!(!d.is_null(), "no X display (run under xvfb-run)");
        let root = (xl.XDefaultRootWindow)(d);
        let (mut r, mut p, mut children, mut n) = (0, 0, std::ptr::null_mut(), 0u32);
        if (xl.XQueryTree)(d, root, &mut r, &mut p, &mut children, &mut n) != 0
            && !children.is_null()
        {
            for i in 0..n as usize {
                let w = *children.add(i);
                let title = window_title(&xl, d, w);
                let mut attrs: xlib::XWindowAttributes = std::mem::zeroed();
                let mapped = (xl.XGetWindowAttributes)(d, w, &mut attrs) != 0
                    && attrs.map_state == xlib::IsViewable;
                out.push((w, title, mapped));
            }
            (xl.XFree)(children.cast());
        }
        (xl.XCloseDisplay)(d);
    }
    out
}

/// Xlib's default error handler ends the process; a window that goes between listing it and
/// reading it (a window closing) is an error there. Ignored: that window is simply gone.
unsafe extern "C" fn ignore_x_errors(
    _d: *mut x11_dl::xlib::Display,
    _e: *mut x11_dl::xlib::XErrorEvent,
) -> std::os::raw::c_int {
    0
}

/// A window's title: its `_NET_WM_NAME` (UTF-8, EWMH; GTK sets it), else its ICCCM `WM_NAME`.
///
/// # Safety
/// `d` is an open display of `xl`, `w` one of its windows.
unsafe fn window_title(xl: &x11_dl::xlib::Xlib, d: *mut x11_dl::xlib::Display, w: u64) -> String {
    use std::ffi::CStr;
    use x11_dl::xlib;
    // SAFETY: the caller's display and window; what Xlib returns is checked and freed.
    unsafe {
        let net_wm_name = (xl.XInternAtom)(d, c"_NET_WM_NAME".as_ptr(), xlib::False);
        let utf8 = (xl.XInternAtom)(d, c"UTF8_STRING".as_ptr(), xlib::False);
        let (mut ty, mut format, mut n, mut after) = (0, 0, 0, 0);
        let mut data: *mut u8 = std::ptr::null_mut();
        let got = (xl.XGetWindowProperty)(
            d,
            w,
            net_wm_name,
            0,
            1024,
            xlib::False,
            utf8,
            &mut ty,
            &mut format,
            &mut n,
            &mut after,
            &mut data,
        );
        if got == 0 && !data.is_null() {
            let bytes = std::slice::from_raw_parts(data, n as usize);
            let t = String::from_utf8_lossy(bytes).into_owned();
            (xl.XFree)(data.cast());
            if !t.is_empty() {
                return t;
            }
        }
        let mut name: *mut std::os::raw::c_char = std::ptr::null_mut();
        if (xl.XFetchName)(d, w, &mut name) != 0 && !name.is_null() {
            let t = CStr::from_ptr(name).to_string_lossy().into_owned();
            (xl.XFree)(name.cast());
            return t;
        }
        String::new()
    }
}

/// The names of the mapped (shown) top-level windows.
pub fn shown_windows() -> Vec<String> {
    top_level_windows().into_iter().filter(|(_, _, m)| *m).map(|(_, n, _)| n).collect()
}

/// Waits (up to 30 s) until the shown windows satisfy `pred`; returns them.
pub async fn wait_for_windows(what: &str, pred: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = Vec::new();
    while Instant::now() < deadline {
        last = shown_windows();
        if pred(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within 30 s; shown windows: {last:?}");
}

/// Closes the shown window named `name` as a window manager does when the user clicks its
/// close button: a `WM_DELETE_WINDOW` message (ICCCM §4.2.8.1), which the app may refuse.
pub fn close_like_the_user(name: &str) {
    use x11_dl::xlib;
    let (w, _, _) = top_level_windows()
        .into_iter()
        .find(|(_, n, m)| *m && n == name)
        .unwrap_or_else(|| panic!("no shown window named {name:?}"));
    let xl = xlib::Xlib::open().expect("libX11");
    // SAFETY: as in `top_level_windows`; the event is a plain C struct filled here.
    unsafe {
        (xl.XSetErrorHandler)(Some(ignore_x_errors));
        let d = (xl.XOpenDisplay)(std::ptr::null());
        assert!(!d.is_null(), "no X display");
        let protocols = (xl.XInternAtom)(d, c"WM_PROTOCOLS".as_ptr(), xlib::False);
        let delete = (xl.XInternAtom)(d, c"WM_DELETE_WINDOW".as_ptr(), xlib::False);
        let mut ev: xlib::XClientMessageEvent = std::mem::zeroed();
        ev.type_ = xlib::ClientMessage;
        ev.window = w;
        ev.message_type = protocols;
        ev.format = 32;
        ev.data.set_long(0, delete as std::os::raw::c_long);
        ev.data.set_long(1, xlib::CurrentTime as std::os::raw::c_long);
        let mut event = xlib::XEvent { client_message: ev };
        (xl.XSendEvent)(d, w, xlib::False, xlib::NoEventMask, &mut event);
        (xl.XFlush)(d);
        (xl.XCloseDisplay)(d);
    }
}
