// Slow tier (label slow): hundreds of crash points; run with `ctest -L slow`.
#include "crash_harness.h"

TEST(SqliteStoreCrashSlow, ManyCrashPoints) { yinxin::store::test::run_crash_iterations(300, 500000); }
