namespace RlogAgent.Tests.Support;

/// <summary>One fresh folder per test, deleted when the test ends.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("rlog-test-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that still holds a file: the OS temp cleaner takes it later.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }
}
