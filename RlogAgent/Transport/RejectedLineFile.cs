using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using RlogAgent.Storage;

namespace RlogAgent.Transport;

/// <summary>
/// <c>&lt;state_dir&gt;/rejected.jsonl</c>: the lines the server refused on their own, appended one
/// JSON object per line and flushed to disk before the checkpoint may move past them, so a line is
/// either stored, set aside here, or still in its file: never only gone. Mode 0600, as the lines may
/// hold anything the logs hold.
/// </summary>
public sealed class RejectedLineFile
{
    /// <summary>The file's name inside the state folder.</summary>
    public const string FileName = "rejected.jsonl";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Log text stays readable (é, not \u00E9); quotes and control characters are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private readonly Lock _lock = new();

    public RejectedLineFile(string stateDir)
    {
        Path = System.IO.Path.Combine(stateDir, FileName);
    }

    public string Path { get; }

    /// <summary>
    /// The records in the file, oldest first, as JSON objects; a line that does not parse (a record
    /// torn by a crash mid-write) is skipped and counted in <paramref name="torn"/>.
    /// </summary>
    public IReadOnlyList<JsonElement> Read(out int torn)
    {
        torn = 0;
        var records = new List<JsonElement>();
        if (!File.Exists(Path))
        {
            return records;
        }

        foreach (var line in File.ReadLines(Path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                records.Add(document.RootElement.Clone());
            }
            catch (JsonException)
            {
                torn++;
            }
        }

        return records;
    }

    /// <summary>Appends <paramref name="lines"/> and flushes them to disk; throws <see cref="IOException"/> when it cannot.</summary>
    public void Append(IReadOnlyList<RejectedLine> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>();
        foreach (var line in lines)
        {
            using (var json = new Utf8JsonWriter(buffer, WriterOptions))
            {
                json.WriteStartObject();
                json.WriteString("time", line.Time.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString("batch_id", line.BatchId);
                json.WriteString("label", line.Label);
                json.WriteString("source", line.Source);
                json.WriteString("file_id", line.FileId);
                json.WriteNumber("offset", line.Offset);
                json.WriteString("line", line.Line);
                json.WriteString("status", line.Status);
                json.WriteString("message", line.Message);
                json.WriteEndObject();
            }

            buffer.Write("\n"u8);
        }

        lock (_lock)
        {
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = AtomicFile.PrivateMode;
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            using (var stream = new FileStream(Path, options))
            {
                // A crash mid-append left a record without its newline: end it, so this batch's
                // records start on lines of their own and only the torn one is unreadable.
                byte[] records = EndsTorn() ? [(byte)'\n', .. buffer.WrittenSpan] : buffer.WrittenSpan.ToArray();
                // One write per append: records are whole unless the process dies inside it.
                stream.Write(records);
                stream.Flush(flushToDisk: true);
            }
        }
    }

    /// <summary>True when the file exists and its last byte is not a newline.</summary>
    private bool EndsTorn()
    {
        using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = RandomAccess.GetLength(handle);
        if (length == 0)
        {
            return false;
        }

        Span<byte> last = stackalloc byte[1];
        return RandomAccess.Read(handle, last, length - 1) == 1 && last[0] != (byte)'\n';
    }
}
