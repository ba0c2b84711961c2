using Vantage6.Common;
using Vantage6.Server.Api;

namespace Vantage6.Server.Tests.Federation;

/// <summary>A task's status is derived from its runs: any failure wins (one kind: that one; several kinds: failed), then active, initializing, pending; else completed.</summary>
public class TaskStatusTests
{
    [Theory]
    [InlineData(new[] { "completed", "completed" }, "completed")]
    [InlineData(new string[0], "completed")]
    [InlineData(new[] { "pending", "completed" }, "pending")]
    [InlineData(new[] { "pending", "initializing", "completed" }, "initializing")]
    [InlineData(new[] { "pending", "initializing", "active" }, "active")]
    [InlineData(new[] { "active", "crashed", "completed" }, "crashed")]
    [InlineData(new[] { "crashed", "crashed", "pending" }, "crashed")]
    [InlineData(new[] { "crashed", "killed by user" }, "failed")]
    [InlineData(new[] { "start failed", "completed" }, "start failed")]
    public void Status_FollowsTheRuns(string[] runs, string expected) => Assert.Equal(expected, TaskViews.Status(runs));

    [Fact]
    public void Status_RunWithoutStatus_CountsAsFailed()
    {
        Assert.Equal(RunStatus.Failed, TaskViews.Status([null, RunStatus.Completed]));
        Assert.Equal(RunStatus.Failed, TaskViews.Status([null, RunStatus.Crashed]));
        Assert.Equal(RunStatus.Failed, TaskViews.Status([null, RunStatus.Failed]));
    }
}
