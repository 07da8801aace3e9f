import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension FileSink {
    /// When to start a new file regardless of its size.
    public enum Interval: Sendable, Hashable {
        /// At the start of every hour (UTC; the same instant as the local hour in all but a few
        /// half-hour time zones).
        case hourly
        /// At midnight in the given time zone: `.daily(.gmt)` for UTC, `.daily(.current)` for the
        /// machine's local midnight (a daylight-saving day is 23 or 25 hours long).
        case daily(TimeZone)

        /// Midnight UTC.
        public static var dailyUTC: Interval { .daily(.gmt) }
        /// Midnight in the process's time zone (`TZ`, else `/etc/localtime`) when the sink is made.
        public static var dailyLocal: Interval { .daily(.current) }

        /// The first boundary strictly after `date`.
        func nextBoundary(after date: Date) -> Date {
            switch self {
            case .hourly:
                let hour = (date.timeIntervalSince1970 / 3600).rounded(.down)
                return Date(timeIntervalSince1970: (hour + 1) * 3600)
            case .daily(let zone):
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = zone
                let start = calendar.startOfDay(for: date)
                // 36 hours after midnight is always inside the next day (days are 23 to 25 hours).
                return calendar.startOfDay(for: start.addingTimeInterval(36 * 3600))
            }
        }
    }
}

/// The names of a sink's rotated files: `logs/app.log` rotates to
/// `logs/app-2026-11-22T10-00-00.000.log` (the UTC time of the rotation), `.gz` appended once
/// compressed, `.gz.tmp` while being compressed. The fixed-width timestamp makes names sort by time.
struct RotatedFileNaming: Sendable, Hashable {
    /// The directory of the active file (`.` for a bare name).
    let directory: String
    /// The active file's name without its extension (`app`).
    let stem: String
    /// The active file's extension with its dot (`.log`), or empty.
    let pathExtension: String

    /// `yyyy-MM-ddTHH-mm-ss.SSS`.
    static let timestampLength = 23

    init(path: String) {
        let slash = path.lastIndex(of: "/")
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        if let slash {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        // A leading dot (`.app`) starts a hidden name, not an extension.
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            stem = String(name[..<dot])
            pathExtension = String(name[dot...])
        } else {
            stem = name
            pathExtension = ""
        }
    }

    /// The full path of the file named `name` in the sink's directory.
    func path(_ name: String) -> String { directory == "/" ? "/" + name : directory + "/" + name }

    /// The rotated name for a rotation at `milliseconds` since 1970 (UTC), uncompressed.
    func name(milliseconds: Int64) -> String {
        stem + "-" + Self.timestamp(milliseconds: milliseconds) + pathExtension
    }

    /// What a name in the directory is to this sink, or `nil` when it is not one of its rotated files.
    func parse(_ name: String) -> RotatedFile? {
        let bytes = Array(name.utf8)
        let prefix = Array((stem + "-").utf8)
        let suffix = Array(pathExtension.utf8)
        guard bytes.count >= prefix.count + Self.timestampLength + suffix.count,
              bytes.starts(with: prefix) else { return nil }
        let stampEnd = prefix.count + Self.timestampLength
        guard let milliseconds = Self.milliseconds(bytes[prefix.count..<stampEnd]),
              bytes[stampEnd...].starts(with: suffix) else { return nil }
        let base = String(decoding: bytes[..<(stampEnd + suffix.count)], as: UTF8.self)
        switch String(decoding: bytes[(stampEnd + suffix.count)...], as: UTF8.self) {
        case "": return RotatedFile(name: name, base: base, milliseconds: milliseconds, kind: .plain)
        case ".gz": return RotatedFile(name: name, base: base, milliseconds: milliseconds, kind: .compressed)
        case ".gz" + Gzip.temporarySuffix: return RotatedFile(name: name, base: base, milliseconds: milliseconds, kind: .partial)
        default: return nil
        }
    }

    /// `2026-11-22T10-00-00.000` for a time in milliseconds since 1970, in UTC.
    static func timestamp(milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds.floorDivided(by: 1000))
        let millis = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return digits(Int(parts.tm_year) + 1900, 4) + "-" + digits(Int(parts.tm_mon) + 1, 2) + "-" + digits(Int(parts.tm_mday), 2)
            + "T" + digits(Int(parts.tm_hour), 2) + "-" + digits(Int(parts.tm_min), 2) + "-" + digits(Int(parts.tm_sec), 2)
            + "." + digits(millis, 3)
    }

    /// The time a ``timestamp(milliseconds:)`` stands for, or `nil` if `text` is not one.
    static func milliseconds(_ text: ArraySlice<UInt8>) -> Int64? {
        let layout = Array("dddd-dd-ddTdd-dd-dd.ddd".utf8)
        guard text.count == layout.count else { return nil }
        var numbers: [Int] = []
        var current = 0
        for (byte, expected) in zip(text, layout) {
            if expected == UInt8(ascii: "d") {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                current = current * 10 + Int(byte - UInt8(ascii: "0"))
            } else {
                guard byte == expected else { return nil }
                numbers.append(current)
                current = 0
            }
        }
        numbers.append(current)
        let (year, month, day, hour, minute, second, millis) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5], numbers[6])
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Int64(timegm(&parts)) * 1000 + Int64(millis)
    }
}

/// One of a sink's rotated files found in its directory.
struct RotatedFile: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// `app-….log`: not compressed (yet).
        case plain
        /// `app-….log.gz`.
        case compressed
        /// `app-….log.gz.tmp`: a compression that did not finish.
        case partial
    }

    let name: String
    /// The uncompressed name (`app-….log`), shared by a file and its `.gz`.
    let base: String
    let milliseconds: Int64
    let kind: Kind
}

/// Start-up recovery and retention for one sink's rotated files. Runs on the sink's worker thread.
struct RotatedFiles: Sendable {
    let naming: RotatedFileNaming
    let maxFiles: Int?
    let maxAge: Duration?

    /// The sink's rotated files now in its directory (nothing else), newest first.
    func list() -> [RotatedFile] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: naming.directory)) ?? []
        return names.compactMap(naming.parse).sorted { ($0.milliseconds, $0.name) > ($1.milliseconds, $1.name) }
    }

    /// Deletes leftovers of interrupted compressions and returns the rotated files still
    /// uncompressed, oldest first (what a crash left behind, when the sink compresses).
    func recover() -> [String] {
        var uncompressed: [String] = []
        for file in list().reversed() {
            switch file.kind {
            case .partial: remove(file.name)
            case .plain: uncompressed.append(naming.path(file.name))
            case .compressed: break
            }
        }
        return uncompressed
    }

    /// Deletes rotated files beyond the newest `maxFiles` and those rotated more than `maxAge`
    /// before `now`. A file and its `.gz` (both present after a crash mid-compression) count once.
    func applyRetention(now: Date) {
        guard maxFiles != nil || maxAge != nil else { return }
        let nowMilliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        let oldest = maxAge.map { nowMilliseconds - Int64($0.components.seconds) * 1000 - $0.components.attoseconds / 1_000_000_000_000_000 }
        var kept: Set<String> = []
        for file in list() where file.kind != .partial {
            let tooOld = oldest.map { file.milliseconds < $0 } ?? false
            if !kept.contains(file.base) && !tooOld && kept.count < (maxFiles ?? .max) {
                kept.insert(file.base)
            } else if !kept.contains(file.base) {
                remove(file.name)
            }
        }
    }

    private func remove(_ name: String) {
        let path = naming.path(name)
        if unlink(path) != 0 && errno != ENOENT {
            let code = errno
            Diagnostics.report("file sink: cannot delete old log file \(path): \(String(cString: strerror(code))) (errno \(code)); check the directory's permissions")
        }
    }
}

fileprivate extension Int64 {
    /// Division rounding towards negative infinity.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
