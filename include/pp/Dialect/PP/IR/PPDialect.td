//===- PPDialect.td - The pp dialect -----------------------*- tablegen -*-===//

#ifndef PP_DIALECT_PP_IR_PPDIALECT_TD
#define PP_DIALECT_PP_IR_PPDIALECT_TD

include "mlir/IR/OpBase.td"

def PP_Dialect : Dialect {
  let name = "pp";
  let cppNamespace = "::pp::pp";
  let summary = "Pipeline structure: stages, communication, schedules";
  let description = [{
    The `pp` dialect describes how a model's computation is laid out over
    pipeline stages: which stage an op runs on (the `pp.stage` attribute),
    the point-to-point transfers between stages (`pp.send` / `pp.recv`),
    and, as the pipeline grows, stage functions, recompute regions and the
    per-stage action lists of a schedule.
  }];
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Name of the discardable attribute that assigns an op to a stage.
    static constexpr ::llvm::StringLiteral kStageAttrName = "pp.stage";
    /// Number of stages of a partitioned module (on the module).
    static constexpr ::llvm::StringLiteral kNumStagesAttrName =
        "pp.num_stages";
    /// Per-op cost for inspection: {f, b, w} seconds, act bytes.
    static constexpr ::llvm::StringLiteral kCostAttrName = "pp.cost";
    /// The device profile the module was planned for (a name or a JSON
    /// file), recorded by the first planning pass so later ones agree.
    static constexpr ::llvm::StringLiteral kDeviceAttrName = "pp.device";
    /// The part of a training step a function computes (pp-autodiff):
    /// forward, backward_input or backward_weight (docs/Training.md).
    static constexpr ::llvm::StringLiteral kRoleAttrName = "pp.role";
    /// The loss pp-attach-loss attached (on the module): cross-entropy, mse
    /// or output; the exporter records it in the manifest.
    static constexpr ::llvm::StringLiteral kLossAttrName = "pp.loss";
  }];
}

class PP_Op<string mnemonic, list<Trait> traits = []>
    : Op<PP_Dialect, mnemonic, traits>;

#endif // PP_DIALECT_PP_IR_PPDIALECT_TD
