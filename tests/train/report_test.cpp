// report.html: curves from metrics.csv, the evaluation's table and pictures, the recipe; every
// name escaped; and, where Debian's headless Chromium is installed, a render without errors.
#include "train/report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data/image_io.h"
#include "tests/data/temp_dir.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

namespace tessel::train {
namespace {

using testing::occurrences;

namespace fs = std::filesystem;

ReportPage sample_page(const testing::TempDir& dir) {
  const std::string csv = dir.path("metrics.csv");
  std::ofstream(csv) << "iteration,name,value\n10,train/loss,1.5\n10,train/lr,0.01\n"
                        "20,train/loss,0.75\n20,val/mIoU,0.25\n20,val/IoU/car, parked,0.5\n";
  ReportPage page;
  page.title = "unet on folder <data>";
  page.status = "iteration 20 of 40 on cpu";
  page.metrics_csv = csv;
  page.eval_iteration = 20;
  page.counts = {2, {6, 2, 1, 3}};
  page.metrics = segmentation_metrics(page.counts);
  page.class_names = {"road", "car & van"};
  page.class_colours = {{128, 64, 128}, {0, 0, 142}};
  const std::vector<uint8_t> png =
      data::encode_png(data::Image{1, 2, 3, 8, {1, 2, 3, 4, 5, 6}}, "o");
  page.overlay_pngs = {std::string(png.begin(), png.end())};
  page.metric = "mIoU";
  page.best = {{20, 0.25}, {10, 0.125}};
  page.recipe_yaml = "model:\n  name: unet\n";
  return page;
}

TEST(Report, MetricsCsvGivesOneCurvePerName) {
  testing::TempDir dir;
  const auto curves = read_metrics_csv(sample_page(dir).metrics_csv);
  ASSERT_EQ(curves.size(), 4u);
  EXPECT_EQ(curves[0].first, "train/loss");
  EXPECT_EQ(curves[0].second, (std::vector<std::pair<int64_t, double>>{{10, 1.5}, {20, 0.75}}));
  EXPECT_EQ(curves[3].first, "val/IoU/car, parked");  // a name with a comma
  EXPECT_TRUE(read_metrics_csv(dir.path("none.csv")).empty());
  std::ofstream(dir.path("bad.csv")) << "iteration,name,value\nten,train/loss,1\n";
  EXPECT_ERROR(
      read_metrics_csv(dir.path("bad.csv")),
      dir.path("bad.csv") + ": line 2 ('ten,train/loss,1') does not start with an iteration");
}

TEST(Report, PageHoldsCurvesTableMatrixPicturesAndRecipe) {
  testing::TempDir dir;
  const std::string html = report_html(sample_page(dir));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>unet on folder &lt;data&gt;</title>"), std::string::npos);
  EXPECT_EQ(occurrences(html, "<polyline"), 3u);              // loss, lr, mIoU
  EXPECT_EQ(occurrences(html, ">car &amp; van"), 4u);         // table, legend, both matrix axes
  EXPECT_NE(html.find("<td>75.00</td>"), std::string::npos);  // road recall: 6 of 8
  EXPECT_NE(html.find("data:image/png;base64,iVBORw0KGgo"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>10</td><td>12.50</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("<pre>model:\n  name: unet\n</pre>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no network
  ReportPage fresh = sample_page(dir);  // before anything was logged
  fresh.metrics_csv = dir.path("none.csv");
  EXPECT_EQ(occurrences(report_html(fresh), "no values yet"), 3u);
}

// Rendered by a real browser when one is installed: no console errors, and a screenshot that is
// not blank.
TEST(Report, RendersInHeadlessChromium) {
  const char* browsers[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser"};
  std::string browser;
  for (const char* b : browsers)
    if (fs::exists(b)) browser = b;
  if (browser.empty()) GTEST_SKIP() << "no Chromium (Debian package chromium) installed";
  testing::TempDir dir;
  const std::string page = dir.path("report.html"), shot = dir.path("shot.png"),
                    log = dir.path("console.log");
  std::ofstream(page) << report_html(sample_page(dir));
  const std::string command = browser +
                              " --headless --no-sandbox --disable-gpu --enable-logging=stderr "
                              "--v=0 --window-size=1000,1400 --screenshot=" +
                              shot + " file://" + page + " >" + log + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(log);
  const std::string console((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(console.find("CONSOLE("), std::string::npos) << console;
  const data::Image image = data::read_image(shot);
  ASSERT_GT(image.pixels(), 0);
  size_t not_white = 0;
  for (size_t i = 0; i < image.bytes.size(); i += size_t(image.channels))
    not_white += image.bytes[i] < 200 || image.bytes[i + 1] < 200;
  EXPECT_GT(not_white, size_t(image.pixels() / 100)) << "the screenshot is blank";
}

}  // namespace
}  // namespace tessel::train
