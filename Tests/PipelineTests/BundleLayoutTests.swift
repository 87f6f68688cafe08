import OCI
import Pipeline
import Testing

/// `--split` and `--chunk-size` sizes: what parses, and that every bad size is a usage error naming its flag.
@Suite struct BundleLayoutTests {
    @Test func sizesParse() throws {
        #expect(try BundleLayout(splitArgument: "700M") == .split(partSize: 700 << 20))
        #expect(try BundleLayout(splitArgument: "1GiB") == .split(partSize: 1 << 30))
        #expect(try BundleLayout(splitArgument: "2000000000") == .split(partSize: 2_000_000_000 / 512 * 512))
        #expect(try BundleLayout(splitArgument: "FAT32") == .split(partSize: 4 * 1024 * 1024 * 1024 - 1024 * 1024))
        #expect(try ByteSize.parse("64M", option: "--chunk-size") == 64 << 20)
        #expect(try ByteSize.parse("1048577", option: "--chunk-size") == 1_048_577)
    }

    @Test(arguments: ["0", "12Q", "lots", "", "-5M", "nan", "1K", "fat32"])
    func badChunkSizesAreUsageErrors(text: String) {
        #expect {
            try ByteSize.parse(text, option: "--chunk-size")
        } throws: { error in
            guard let error = error as? SizeArgumentError else { return false }
            return error.category == .usage && error.description.hasPrefix("invalid --chunk-size '\(text)': ")
        }
    }

    @Test(arguments: ["0", "12Q", "lots", "", "-5M", "1K"])
    func badSplitSizesNameSplit(text: String) {
        #expect {
            try BundleLayout(splitArgument: text)
        } throws: { error in
            (error as? SizeArgumentError)?.description.hasPrefix("invalid --split '\(text)': ") == true
        }
    }

    /// Found while fuzzing by hand: a size past Int64 trapped converting the Double (`inf`, `1e300`, `99999999T`).
    @Test(arguments: ["inf", "1e300", "99999999999T", "infinityG"])
    func hugeSizesAreRefusedNotTrapped(text: String) {
        #expect(throws: SizeArgumentError.self) { try BundleLayout(splitArgument: text) }
    }
}
