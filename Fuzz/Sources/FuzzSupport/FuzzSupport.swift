/// The entry point every fuzz target shares.
///
/// SwiftPM links a debug executable with `main` renamed from `<Target>_main` (so tests can link
/// executables); a fuzz target has no `main` of its own (libFuzzer's driver is the program), so
/// each target defines `<Target>_main` by calling `FuzzSupport.run`, which hands control to
/// libFuzzer's driver with the target's `LLVMFuzzerTestOneInput`.
public enum FuzzSupport {
    /// A libFuzzer test callback: one input, returns 0.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs libFuzzer's driver (flags and corpus directories from the command line).
    public static func run(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ test: TestOneInput
    ) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments, test)
    }
}

/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))`, from
/// the libFuzzer runtime that `-sanitize=fuzzer` links.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ test: FuzzSupport.TestOneInput
) -> CInt
