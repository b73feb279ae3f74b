//===- Registration.cpp - Anchor of the schedule passes library -----------===//
//
// Pass definitions live in their own files next to this one; this file keeps
// the library non-empty and includes the generated declarations once.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/SchedulePasses.h"
