// The legacy `POST /` API (docs/protocol.md §2.4) expressed as a Hrana batch: each statement runs if
// the one before succeeded, and a final ROLLBACK runs if the last one failed. No implicit BEGIN.
#pragma once

#include <vector>

#include "hrana/model.h"

namespace edgelite::hrana {

Batch LegacyToBatch(const LegacyRequest& request);

// The per-statement outcomes of a batch made by LegacyToBatch (the trailing ROLLBACK is dropped).
std::vector<LegacyStatementOutcome> LegacyOutcomes(const BatchResult& result,
                                                   size_t statement_count);

}  // namespace edgelite::hrana
