//! What the desktop offers the app's file dialogs: whether the system's file chooser can open
//! at all. On Linux the native dialog goes through the XDG desktop portal (over the session
//! D-Bus, with a portal back end that implements the file chooser) or, failing that, zenity;
//! without either it returns nothing, exactly as if the user had cancelled. Knowing that up
//! front lets the app use its own file chooser instead, and say why.

use std::path::{Path, PathBuf};

/// Whether the system's file chooser can open, and if not, why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeChooser {
    Available,
    Missing { why: String },
}

/// The facts the choice rests on, read from the environment and the file system.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DesktopFacts {
    pub linux: bool,
    pub session_bus: bool,
    /// The portal service can be started and some portal back end implements FileChooser.
    pub portal_file_chooser: bool,
    pub zenity: bool,
    /// `PREFLIGHT_FILE_DIALOG`: `native` or `app` forces the choice.
    pub forced: Option<String>,
}

impl DesktopFacts {
    /// Reads this machine's facts.
    pub fn detect() -> DesktopFacts {
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let runtime_bus = env("XDG_RUNTIME_DIR").map(|dir| PathBuf::from(dir).join("bus")).is_some_and(|bus| bus.exists());
        let data_dirs: Vec<PathBuf> = match env("XDG_DATA_DIRS") {
            Some(dirs) => std::env::split_paths(&dirs).collect(),
            None => vec![PathBuf::from("/usr/local/share"), PathBuf::from("/usr/share")],
        };
        let path_dirs: Vec<PathBuf> = env("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
        DesktopFacts {
            linux: cfg!(target_os = "linux"),
            session_bus: env("DBUS_SESSION_BUS_ADDRESS").is_some() || runtime_bus,
            portal_file_chooser: portal_file_chooser(&data_dirs),
            zenity: path_dirs.iter().any(|dir| dir.join("zenity").is_file()),
            forced: std::env::var("PREFLIGHT_FILE_DIALOG").ok().map(|v| v.trim().to_lowercase()).filter(|v| !v.is_empty()),
        }
    }

    /// Whether the native file chooser can open here.
    pub fn native_chooser(&self) -> NativeChooser {
        match self.forced.as_deref() {
            Some("native") => return NativeChooser::Available,
            Some("app") => return NativeChooser::Missing { why: "PREFLIGHT_FILE_DIALOG=app asks for Preflight's own file chooser".into() },
            _ => {}
        }
        if !self.linux || self.zenity || (self.session_bus && self.portal_file_chooser) {
            return NativeChooser::Available;
        }
        let why = if self.session_bus {
            "no desktop portal with a file chooser is installed (xdg-desktop-portal and a back end such as xdg-desktop-portal-gtk), and zenity is not installed"
        } else {
            "there is no D-Bus session for the desktop portal, and zenity is not installed"
        };
        NativeChooser::Missing { why: why.to_string() }
    }
}

/// Whether the portal's D-Bus service is installed and a back end implements FileChooser.
fn portal_file_chooser(data_dirs: &[PathBuf]) -> bool {
    let service = data_dirs.iter().any(|dir| dir.join("dbus-1/services/org.freedesktop.portal.Desktop.service").is_file());
    service && data_dirs.iter().any(|dir| back_end_with_file_chooser(&dir.join("xdg-desktop-portal/portals")))
}

fn back_end_with_file_chooser(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "portal"))
        .any(|entry| std::fs::read_to_string(entry.path()).is_ok_and(|text| text.contains("org.freedesktop.impl.portal.FileChooser")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux() -> DesktopFacts {
        DesktopFacts { linux: true, ..DesktopFacts::default() }
    }

    #[test]
    fn the_native_chooser_needs_a_portal_with_a_file_chooser_or_zenity_on_linux() {
        assert!(matches!(linux().native_chooser(), NativeChooser::Missing { why } if why.contains("no D-Bus session")));
        let bus = DesktopFacts { session_bus: true, ..linux() };
        assert!(matches!(bus.native_chooser(), NativeChooser::Missing { why } if why.contains("no desktop portal")));
        assert_eq!(DesktopFacts { portal_file_chooser: true, ..bus.clone() }.native_chooser(), NativeChooser::Available);
        assert_eq!(DesktopFacts { zenity: true, ..linux() }.native_chooser(), NativeChooser::Available);
        assert_eq!(DesktopFacts::default().native_chooser(), NativeChooser::Available, "macOS and Windows always have one");
    }

    #[test]
    fn the_environment_can_force_either() {
        let forced = |v: &str| DesktopFacts { forced: Some(v.into()), zenity: true, ..linux() }.native_chooser();
        assert!(matches!(forced("app"), NativeChooser::Missing { .. }));
        assert_eq!(DesktopFacts { forced: Some("native".into()), ..linux() }.native_chooser(), NativeChooser::Available);
    }

    #[test]
    fn a_portal_back_end_is_found_by_its_file_chooser_interface() {
        let dir = tempfile::tempdir().unwrap();
        let share = dir.path().to_path_buf();
        assert!(!portal_file_chooser(std::slice::from_ref(&share)));
        std::fs::create_dir_all(share.join("dbus-1/services")).unwrap();
        std::fs::write(share.join("dbus-1/services/org.freedesktop.portal.Desktop.service"), "[D-BUS Service]\n").unwrap();
        std::fs::create_dir_all(share.join("xdg-desktop-portal/portals")).unwrap();
        std::fs::write(share.join("xdg-desktop-portal/portals/wlr.portal"), "[portal]\nInterfaces=org.freedesktop.impl.portal.Screenshot;\n")
            .unwrap();
        assert!(!portal_file_chooser(std::slice::from_ref(&share)), "a back end without a file chooser does not count");
        std::fs::write(share.join("xdg-desktop-portal/portals/gtk.portal"), "[portal]\nInterfaces=org.freedesktop.impl.portal.FileChooser;\n")
            .unwrap();
        assert!(portal_file_chooser(std::slice::from_ref(&share)));
    }
}
