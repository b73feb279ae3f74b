//===- ExportPasses.td - pp's export pass ------------------*- tablegen -*-===//

#ifndef PP_EXPORT_EXPORTPASSES_TD
#define PP_EXPORT_EXPORTPASSES_TD

include "mlir/Pass/PassBase.td"

def PPExport : Pass<"pp-export", "mlir::ModuleOp"> {
  let summary = "Write the stage programs, weights and manifest that pp-run "
                "executes";
  let description = [{
    Writes the module into the directory `dir` in the format of
    `runtime/proto/program.proto` (docs/Training.md, "Export"):

    - `stage0.pb`: a binary `pp.program.Program` holding the functions with
      a `pp.role` (`forward`, `backward_input`, `backward_weight`, as
      `pp-autodiff` makes them) or, in a module without them, `@forward`
      alone (inference). Every block argument and op result is a `Value`;
      arguments and results are `Port`s with the role and key of their
      `pp.role` and `pp.key` attributes (an inference `@forward` has inputs
      and outputs keyed by their `onnx.name`); every
      `ml_program.global_load` is a `ParameterUse`; every nn op is a
      `Kernel` with all its attributes, defaults filled in, and its
      location (`file:line:col`, or the ONNX node name).
    - `stage0.weights`: the data of every parameter the functions read,
      each at a 64-byte aligned `Parameter.offset`. Data named by
      `#nn.external` is read from the ONNX model (large initializers by
      their recorded byte range, small ones through the model loader);
      a global initialised with dense elements is written from them.
      `trainable` marks the parameters with a `param_grad` result,
      `state` BatchNormalization's running statistics in training mode.
    - `manifest.pbtxt`: a text `pp.program.Manifest`: the source model's
      absolute path (`onnx.model`), the stages, the schedule and
      microbatches of `pp.schedule` (else 1 microbatch and no schedule),
      the loss that `pp-attach-loss` recorded (`pp.loss`), and the data
      inputs and outputs of `@forward` with whole-batch types (the
      microbatches stacked along axis 0).

    The files are written into a new directory next to `dir` that then
    replaces `dir` in one rename, so a failed export leaves no partial
    program and an earlier export stays until the new one is complete. An
    existing `dir` must be a directory that is empty or holds an earlier
    export (a `manifest.pbtxt`).

    Ops the runtime cannot run (a generic `nn.onnx` op, any op outside the
    nn dialect), parameters whose data cannot be read, element types the
    program format has no code for, and modules cut into several stages
    (stage outlining is not implemented yet) are errors at the op, global
    or module at fault.

    ```
    $ pp-opt examples/mlp.onnx --pp-pipeline="num-stages=1 microbatches=2" \
        --pp-export=mlp.pp -o /dev/null
    $ protoc --decode=pp.program.Program runtime/proto/program.proto \
        < mlp.pp/stage0.pb
    ```
  }];
  let options = [
    Option<"dir", "dir", "std::string", /*default=*/"\"\"",
           "Directory to write (replaced if it holds an earlier export); "
           "`--pp-export=DIR` and `pp-export{DIR}` name it alone">,
  ];
}

#endif // PP_EXPORT_EXPORTPASSES_TD
