import ArgumentParser

/// How a command reports: live progress on a terminal, plain lines otherwise, JSON for machines.
public struct OutputOptions: ParsableArguments, Sendable {
    @Flag(help: "Print a JSON summary on standard output instead of text.")
    public var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors (and the --json summary).")
    public var quiet = false

    public init() {}
}
