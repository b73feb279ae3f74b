//===- PPDialect.td - The pp dialect -----------------------*- tablegen -*-===//

#ifndef PP_DIALECT_PP_IR_PPDIALECT_TD
#define PP_DIALECT_PP_IR_PPDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

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
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Name of the discardable attribute that assigns an op to a stage: its
    /// virtual stage (position in the pipeline) when the cut has several
    /// chunks per stage. On an outlined stage function: the stage (device).
    static constexpr ::llvm::StringLiteral kStageAttrName = "pp.stage";
    /// Number of stages of a partitioned module (on the module).
    static constexpr ::llvm::StringLiteral kNumStagesAttrName =
        "pp.num_stages";
    /// Chunks per stage of a cut made for interleaved or V schedules (on
    /// the module; absent means 1).
    static constexpr ::llvm::StringLiteral kVirtualStagesAttrName =
        "pp.virtual_stages";
    /// On an outlined stage function (pp-outline-stages): its chunk on the
    /// stage and its virtual stage (position in the pipeline).
    static constexpr ::llvm::StringLiteral kChunkAttrName = "pp.chunk";
    static constexpr ::llvm::StringLiteral kVirtualStageAttrName =
        "pp.virtual_stage";
    /// On a random op (nn.dropout): its stream of the counter-based
    /// generator, the same in every stage function and recomputation.
    static constexpr ::llvm::StringLiteral kRandomIdAttrName = "pp.rng_id";
    /// Per-op cost for inspection: {f, b, w} seconds, act bytes; on a
    /// forward op a backward function recomputes: {recompute} seconds.
    static constexpr ::llvm::StringLiteral kCostAttrName = "pp.cost";
    /// The recomputation policy pp-recompute applied (on the module).
    static constexpr ::llvm::StringLiteral kRecomputeAttrName =
        "pp.recompute";
    /// The device profile the module was planned for (a name or a JSON
    /// file), recorded by the first planning pass so later ones agree.
    static constexpr ::llvm::StringLiteral kDeviceAttrName = "pp.device";
    /// The part of a training step a function computes (pp-autodiff):
    /// forward, backward_input or backward_weight (docs/Training.md).
    static constexpr ::llvm::StringLiteral kRoleAttrName = "pp.role";
    /// The loss pp-attach-loss attached (on the module): cross-entropy, mse
    /// or output; the exporter records it in the manifest.
    static constexpr ::llvm::StringLiteral kLossAttrName = "pp.loss";
    /// On an immutable ml_program.global pp-attach-loss kept out of
    /// training: why (option, training_info or non_finite).
    static constexpr ::llvm::StringLiteral kFrozenAttrName = "pp.frozen";
    /// On an nn.gather from an embedding table (pp-attach-loss
    /// padding-index=): the row whose lookups pass no gradient.
    static constexpr ::llvm::StringLiteral kPaddingIndexAttrName =
        "pp.padding_index";
    /// On a training function's arguments and results (pp-autodiff,
    /// pp-outline-stages): the port's role (`pp.role`, one of
    /// getPortRoles()), the key that matches it across functions
    /// (`pp.key`), and, on a boundary tensor, that it carries no gradient
    /// (`pp.no_grad`).
    static constexpr ::llvm::StringLiteral kKeyAttrName = "pp.key";
    static constexpr ::llvm::StringLiteral kNoGradAttrName = "pp.no_grad";
    /// input, output, saved, output_grad, input_grad, cotangent,
    /// param_grad, boundary_in, boundary_out, boundary_out_grad,
    /// boundary_in_grad (docs/Training.md).
    static ::llvm::ArrayRef<::llvm::StringLiteral> getPortRoles();
    /// Verifies a pp attribute of a function argument or result.
    static ::mlir::LogicalResult verifyPortAttribute(::mlir::Operation *op,
        ::mlir::NamedAttribute attr, ::llvm::StringRef what);
  }];
}

class PP_Op<string mnemonic, list<Trait> traits = []>
    : Op<PP_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Enum attributes
//===----------------------------------------------------------------------===//

// Printed as a quoted string inside ops (`pp.schedule "1f1b"`), since most
// names are not MLIR keywords; parsed from a keyword or a string.
class PP_QuotedEnum<string name, string summary, list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::pp::pp";
  let parameterPrinter =
      "$_printer << '\"' << stringify" # name # "($_self) << '\"'";
}

def PP_ScheduleKind : PP_QuotedEnum<"ScheduleKind",
    "The generator a pp.schedule comes from", [
      I32EnumAttrCase<"GPipe", 0, "gpipe">,
      I32EnumAttrCase<"OneFOneB", 1, "1f1b">,
      I32EnumAttrCase<"Interleaved1F1B", 2, "interleaved-1f1b">,
      I32EnumAttrCase<"ZBH1", 3, "zb-h1">,
      I32EnumAttrCase<"ZBH2", 4, "zb-h2">,
      I32EnumAttrCase<"ZBV", 5, "zb-v">,
      I32EnumAttrCase<"DualPipeV", 6, "dualpipev">,
      I32EnumAttrCase<"Search", 7, "search">,
      I32EnumAttrCase<"Custom", 8, "custom">
    ]>;

def PP_ScheduleKindAttr : EnumAttr<PP_Dialect, PP_ScheduleKind,
                                   "schedule_kind"> {
  let summary = "The kind of a pp.schedule";
  let description = [{
    The generator of the schedule (`gpipe`, `1f1b`, `interleaved-1f1b`,
    `zb-h1`, `zb-h2`, `zb-v`, `dualpipev`, `search`) or `custom` for action
    lists written by hand. Written `"1f1b"` in `pp.schedule`,
    `#pp<schedule_kind"1f1b">` elsewhere.
  }];
  let assemblyFormat = "`` $value";
}

def PP_Placement : PP_QuotedEnum<"Placement",
    "Which stage holds each virtual stage of a schedule", [
      I32EnumAttrCase<"Loop", 0, "loop">,
      I32EnumAttrCase<"V", 1, "v">
    ]>;

def PP_PlacementAttr : EnumAttr<PP_Dialect, PP_Placement, "placement"> {
  let summary = "The placement of a pp.schedule's virtual stages";
  let description = [{
    `loop`: virtual stage k on stage k mod p as chunk k div p; `v`: two
    chunks per stage in a V (ZB-V, DualPipeV). Written `"v"` in
    `pp.schedule`, `#pp<placement"v">` elsewhere.
  }];
  let assemblyFormat = "`` $value";
}

#endif // PP_DIALECT_PP_IR_PPDIALECT_TD
