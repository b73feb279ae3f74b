//===- Progress.cpp - pp-run's step lines and progress line ---------------===//

#include "Progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

using namespace pp::run;

StepReporter::StepReporter(int64_t steps, int64_t samplesPerStep)
    : steps_(steps), samplesPerStep_(samplesPerStep),
      progress_(::isatty(STDERR_FILENO) == 1) {}

void StepReporter::stepStarting(int64_t step) {
  if (!progress_)
    return;
  constexpr int64_t kWidth = 30;
  int64_t done = step - 1;
  int64_t filled = kWidth * done / steps_;
  std::string bar = std::string(size_t(filled), '#') +
                    std::string(size_t(kWidth - filled), '.');
  std::string eta;
  if (done > 0) {
    double left = elapsed_ / double(done) * double(steps_ - done);
    char text[64];
    std::snprintf(text, sizeof(text), ", about %.0f s left", left);
    eta = text;
  }
  std::fprintf(stderr, "\r\033[K[%s] step %lld/%lld%s", bar.c_str(),
               (long long)step, (long long)steps_, eta.c_str());
  std::fflush(stderr);
  shown_ = true;
}

void StepReporter::stepDone(int64_t step, double loss, double seconds) {
  elapsed_ += seconds;
  finish();
  double rate = seconds > 0 ? double(samplesPerStep_) / seconds : 0;
  std::printf("step %lld/%lld  loss %.5g  %.1f samples/s\n", (long long)step,
              (long long)steps_, loss, rate);
  std::fflush(stdout);
  if (metrics_) {
    // %.17g: every double reads back as itself. A non-finite loss is
    // written as null (JSON has no NaN).
    char line[256];
    char lossText[32] = "null";
    if (std::isfinite(loss))
      std::snprintf(lossText, sizeof(lossText), "%.17g", loss);
    std::snprintf(line, sizeof(line),
                  "{\"step\":%lld,\"loss\":%s,\"seconds\":%.9g,"
                  "\"samples_per_second\":%.9g,\"elapsed\":%.9g}\n",
                  (long long)step, lossText, seconds, rate, elapsed_);
    *metrics_ << line << std::flush;
  }
}

void StepReporter::finish() {
  if (!shown_)
    return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}
