// Model files: JSON, versioned, exact (every double written as the shortest
// text that reads back to the same bits). See docs/formats.md.
#pragma once

#include <string>
#include <string_view>

#include "logreg/model.hpp"
#include "logreg/result.hpp"

namespace logreg {

/// Version written in "format_version"; loaders accept versions <= this.
inline constexpr int kModelFormatVersion = 1;

/// The model as JSON text.
std::string model_to_json(const Model& model);
/// Parses and checks JSON text; `name` stands for the file in messages.
Result<Model> model_from_json(std::string_view text, const std::string& name);

/// Writes atomically: a temporary file in the same folder, flushed, then
/// renamed over `path`. On error nothing is left behind.
Status save_model(const Model& model, const std::string& path);
/// Reads and checks a model file (version, shape, finite numbers).
Result<Model> load_model(const std::string& path);

/// Checkpoints (docs/formats.md): JSON with "format": "logreg-checkpoint",
/// exact numbers; non-finite scalars are written as the strings "inf",
/// "-inf" and "nan".
std::string checkpoint_to_json(const Checkpoint& checkpoint);
Result<Checkpoint> checkpoint_from_json(std::string_view text, const std::string& name);
Status save_checkpoint(const Checkpoint& checkpoint, const std::string& path);
Result<Checkpoint> load_checkpoint(const std::string& path);

/// Whether write_file_atomically waits for the contents to reach the disk.
enum class Sync : bool { kNo, kYes };

/// Writes `contents` to `path` atomically: into a temporary file beside it,
/// renamed over `path` once complete, so that a reader (or a crashed or
/// interrupted run) finds the old file or the new one whole, never a part.
/// Sync::kYes also flushes the file to the disk (fsync) before the rename, so
/// that the path survives a power failure too: for checkpoints, whose point
/// is to outlive the run. Models, predictions and caches can be made again,
/// and the flush cost 1-3 ms, a twentieth of a small fit (as LIBLINEAR,
/// scikit-learn and git by default, they do not wait for it).
Status write_file_atomically(const std::string& path, std::string_view contents, Sync sync = Sync::kNo);

}  // namespace logreg
