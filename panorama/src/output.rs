//! The published layout: one content-addressed folder per panorama, made visible whole.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::cube::Face;
use crate::error::PanoramaError;
use crate::levels::Level;

/// Bumped whenever the files produced change, so that a new layout never hides behind a
/// folder written by an older version for the same pixels.
/// Names the layout and encoding of the outputs; part of every content id.
pub const OUTPUT_VERSION: &[u8] = b"siteatlas-panorama/1\0";

/// File name of the 400×200 thumbnail inside a panorama's folder.
pub const THUMBNAIL_FILE: &str = "thumb.jpg";
/// File name of the equirectangular preview inside a panorama's folder.
pub const PREVIEW_FILE: &str = "preview.jpg";

/// A processed panorama: what the server stores and hands to the viewer.
///
/// Every path is relative to the `out_root` given to [`crate::process`]. Files live in
/// `<id>/`: [`THUMBNAIL_FILE`], [`PREVIEW_FILE`] and `tiles/{level}/{face}/{row}_{col}.jpg`,
/// where `level` indexes [`Processed::levels`] (0 = one tile per face), `face` is a
/// [`Face::name`], and row 0 / column 0 is the top left tile of the face.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Processed {
    /// SHA-256 (lowercase hex) of the decoded pixels, their size and the output version:
    /// the same picture uploaded twice, with different metadata, gets the same id.
    pub id: String,
    /// Width of the source in pixels.
    pub width: u32,
    /// Height of the source in pixels.
    pub height: u32,
    /// Edge of a cube face at the highest level.
    pub face_size: u32,
    /// Tile levels, smallest first: PSV's `levels` in this order.
    pub levels: Vec<Level>,
    /// The 400×200 JPEG thumbnail.
    pub thumbnail: PathBuf,
    /// The equirectangular JPEG preview (2048×1024, or the source width if smaller).
    pub preview: PathBuf,
    /// False when the folder already existed and nothing was written (idempotent re-upload).
    pub created: bool,
}

impl Processed {
    pub(crate) fn new(id: String, width: u32, height: u32, levels: Vec<Level>) -> Self {
        let dir = PathBuf::from(&id);
        Self {
            face_size: levels.last().map_or(0, |l| l.face_size),
            thumbnail: dir.join(THUMBNAIL_FILE),
            preview: dir.join(PREVIEW_FILE),
            id,
            width,
            height,
            levels,
            created: true,
        }
    }

    /// The panorama's folder.
    pub fn dir(&self) -> PathBuf {
        PathBuf::from(&self.id)
    }

    /// The tile that PSV asks for as `tileUrl(face, col, row, level)`.
    pub fn tile_path(&self, level: usize, face: Face, row: u32, col: u32) -> PathBuf {
        self.dir().join(tile_file(level, face, row, col))
    }

    /// Every tile, level by level, face by face, row by row.
    pub fn tile_paths(&self) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        for (index, level) in self.levels.iter().enumerate() {
            for face in Face::ALL {
                for row in 0..level.nb_tiles {
                    for col in 0..level.nb_tiles {
                        paths.push(self.tile_path(index, face, row, col));
                    }
                }
            }
        }
        paths
    }
}

/// A tile's path inside the panorama's folder.
pub(crate) fn tile_file(level: usize, face: Face, row: u32, col: u32) -> PathBuf {
    PathBuf::from(format!("tiles/{level}/{}/{row}_{col}.jpg", face.name()))
}

/// The content address of decoded pixels.
pub(crate) fn content_id(width: u32, height: u32, pixels: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(OUTPUT_VERSION);
    hasher.update(width.to_le_bytes());
    hasher.update(height.to_le_bytes());
    hasher.update(pixels);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A hidden folder in `out_root` where one panorama is written before it is published;
/// removed on drop unless published.
pub(crate) struct Staging {
    dir: TempDir,
}

impl Staging {
    /// Staging lives in `out_root` itself so that publishing is a rename within one file
    /// system, which is atomic. A crash leaves a `.incoming-*` folder that no reader lists.
    pub(crate) fn new(out_root: &Path) -> Result<Self, PanoramaError> {
        fs::create_dir_all(out_root).map_err(PanoramaError::io("creating", out_root))?;
        let dir = tempfile::Builder::new()
            .prefix(".incoming-")
            .tempdir_in(out_root)
            .map_err(PanoramaError::io("creating a staging folder in", out_root))?;
        Ok(Self { dir })
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn create_dir(&self, relative: &Path) -> Result<(), PanoramaError> {
        let path = self.path().join(relative);
        fs::create_dir_all(&path).map_err(PanoramaError::io("creating", path))
    }

    pub(crate) fn write(&self, relative: &Path, bytes: &[u8]) -> Result<(), PanoramaError> {
        let path = self.path().join(relative);
        fs::write(&path, bytes).map_err(PanoramaError::io("writing", path))
    }

    /// Renames the staging folder to `out_root/<id>`; returns false when that folder already
    /// existed (the same picture was processed before, or concurrently), in which case the
    /// staged copy is dropped and the existing one, identical, stays.
    pub(crate) fn publish(self, out_root: &Path, id: &str) -> Result<bool, PanoramaError> {
        let target = out_root.join(id);
        if target.is_dir() {
            return Ok(false);
        }
        // tempdir creates 0700 folders; the files must be readable by whatever serves them.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(self.path(), fs::Permissions::from_mode(0o755))
                .map_err(PanoramaError::io("setting permissions on", self.path()))?;
        }
        match fs::rename(self.path(), &target) {
            Ok(()) => {
                let _published_path = self.dir.keep();
                Ok(true)
            }
            // Another process published the same id between our check and our rename.
            Err(_) if target.is_dir() => Ok(false),
            Err(e) => Err(PanoramaError::io("publishing", target)(e)),
        }
    }
}
