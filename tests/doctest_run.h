#pragma once
// main() of the doctest suites: doctest's own run, except that a run whose
// --test-case filter matches no test case fails. ctest runs each case by its
// name (doctest_discover_tests), and a name that was cut short on the way
// (CMake splits lists at ';') must not pass by running nothing.
//
// Include it in one file per executable, after defining
// DOCTEST_CONFIG_IMPLEMENT, and return doctest_run::run(argc, argv).
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>

namespace doctest_run {

inline unsigned& matched() {
  static unsigned n = 0;
  return n;
}

// Records how many test cases passed the filters; reports nothing itself.
struct MatchCounter : doctest::IReporter {
  explicit MatchCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& s) override { matched() = s.numTestCasesPassingFilters; }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("match_counter", 1, MatchCounter);

inline int run(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int rc = context.run();
  if (rc != 0 || context.shouldExit()) return rc;
  for (int i = 1; i < argc; ++i) {
    const bool filter = std::strncmp(argv[i], "--test-case=", 12) == 0 ||
                        std::strncmp(argv[i], "-tc=", 4) == 0;
    if (filter && matched() == 0) {
      std::fprintf(stderr, "no test case matches %s\n", argv[i]);
      return 1;
    }
  }
  return rc;
}

}  // namespace doctest_run
