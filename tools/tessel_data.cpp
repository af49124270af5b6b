// tessel-data: datasets on disk.
//   check FORMAT ROOT [--split S] [--max-pixels N]
//       validates a dataset before training on it (data/check.h) and prints per-class
//       statistics and class weights; exits 1 when the dataset has errors.
//   export FORMAT ROOT OUT [--split S]
//       writes the split in the folder layout (images/, palette-PNG masks/, classes.txt), e.g. to
//       look at it or to train from it.
//   synth OUT [--count N] [--size S] [--seed K]
//       writes Tessel's built-in synthetic shapes in the folder layout; a recipe's validation
//       images are --seed 2*train.seed+1.
// Exit codes: tools/cli/tool.h.
#include <iostream>
#include <string>

#include "data/check.h"
#include "data/datasets.h"
#include "data/open_dataset.h"
#include "tools/cli/tool.h"

namespace {

// FORMAT ROOT positionals and --split on `command`.
struct DatasetArgs {
  std::string format, root, split;
  void add(CLI::App& command) {
    command.add_option("FORMAT", format, "the dataset format")
        ->required()
        ->check(tessel::tools::dataset_format());
    command.add_option("ROOT", root, "the dataset's folder")->required();
    command.add_option("--split", split, "the split, as the format names it (default: its own)")
        ->type_name("S");
  }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace tessel;
  CLI::App app{
      "Datasets on disk: check one before training, export one as a folder dataset, "
      "or write the built-in synthetic shapes.",
      "tessel-data"};
  app.require_subcommand(1);

  CLI::App& check_cmd = *app.add_subcommand(
      "check",
      "Validates a dataset before training on it and prints per-class statistics and class "
      "weights; exits 1 when the dataset has errors.");
  DatasetArgs checked;
  checked.add(check_cmd);
  tools::add_max_pixels(check_cmd, "images and masks");

  CLI::App& export_cmd = *app.add_subcommand(
      "export", "Writes the split as a folder dataset (images/, palette-PNG masks/, classes.txt).");
  DatasetArgs exported;
  exported.add(export_cmd);
  std::string export_out;
  export_cmd.add_option("OUT", export_out, "the folder to write")->required();

  CLI::App& synth_cmd = *app.add_subcommand(
      "synth",
      "Writes Tessel's built-in synthetic shapes as a folder dataset; a recipe's validation "
      "images are --seed 2*train.seed+1.");
  data::SyntheticOptions shapes;
  std::string synth_out;
  synth_cmd.add_option("OUT", synth_out, "the folder to write")->required();
  synth_cmd.add_option("--count", shapes.count, "samples")
      ->capture_default_str()
      ->check(tools::non_negative_integer());  // CLI11 would read -3 as a huge number
  synth_cmd
      .add_option_function<int64_t>(
          "--size", [&shapes](const int64_t& n) { shapes.height = shapes.width = n; },
          "the images' side in pixels (default: " + std::to_string(shapes.height) + ")")
      ->check(tools::positive_integer());
  synth_cmd.add_option("--seed", shapes.seed, "the random seed")
      ->capture_default_str()
      ->check(tools::non_negative_integer());

  return tools::run(app, argc, argv, [&] {
    if (check_cmd.parsed())
      return data::run_check(checked.format, checked.root, checked.split, std::cout);
    if (export_cmd.parsed()) {
      auto set = data::open_dataset(exported.format, exported.root, exported.split);
      data::write_folder_dataset(*set, export_out);
      std::cout << set->size() << " samples of " << exported.format << " " << exported.root
                << " -> " << export_out << "\n";
      return 0;
    }
    data::write_folder_dataset(data::SyntheticDataset(shapes), synth_out);
    std::cout << shapes.count << " synthetic " << shapes.height << "x" << shapes.width
              << " samples (seed " << shapes.seed << ") -> " << synth_out << "\n";
    return 0;
  });
}
