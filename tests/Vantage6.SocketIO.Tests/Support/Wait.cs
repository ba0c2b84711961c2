namespace Vantage6.SocketIO.Tests.Support;

public static class Wait
{
    /// <summary>Polls a condition until it holds or the bound (generous; not a timing assertion) passes.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    public static async Task<T> ForAsync<T>(Task<T> task, int seconds = 10) => await task.WaitAsync(TimeSpan.FromSeconds(seconds));
}
