using Vantage6.SocketIO.Tests.Support;

namespace Vantage6.SocketIO.Tests;

/// <summary>Room membership as broadcasts see it: single members, many members, rooms that empty and come back.</summary>
public sealed class RoomTests
{
    private static async Task<FrameClient> ConnectedAsync(DemoServer server)
    {
        var (client, _) = await FrameClient.ConnectAsync(server.Url, "EIO=4&transport=websocket");
        await client.ReceiveTextAsync();
        await client.SendTextAsync("40/demo,");
        await client.ReceiveTextAsync();
        await client.ReceiveTextAsync();
        return client;
    }

    [Fact]
    public async Task RoomThatEmptied_WorksAgainAfterANewJoin_AndReachesEachMemberOnce()
    {
        await using var server = await DemoServer.StartAsync();
        using var first = await ConnectedAsync(server);
        using var second = await ConnectedAsync(server);
        await first.SendTextAsync("42/demo,1[\"join\",\"r\"]");
        Assert.Equal("43/demo,1[\"joined\"]", await first.ReceiveTextAsync());
        await first.SendTextAsync("42/demo,2[\"leave\",\"r\"]");
        Assert.Equal("43/demo,2[\"left\"]", await first.ReceiveTextAsync());
        // The room emptied (and was dropped); joining again must create a working one.
        await first.SendTextAsync("42/demo,3[\"join\",\"r\"]");
        Assert.Equal("43/demo,3[\"joined\"]", await first.ReceiveTextAsync());
        await second.SendTextAsync("42/demo,4[\"join\",\"r\"]");
        Assert.Equal("43/demo,4[\"joined\"]", await second.ReceiveTextAsync());
        // Joining twice keeps one membership.
        await second.SendTextAsync("42/demo,5[\"join\",\"r\"]");
        Assert.Equal("43/demo,5[\"joined\"]", await second.ReceiveTextAsync());

        await second.SendTextAsync("42/demo,[\"to_room\",\"r\",\"one\"]");
        await second.SendTextAsync("42/demo,[\"to_room\",\"r\",\"two\"]");
        foreach (var client in new[] { first, second })
        {
            Assert.Equal("42/demo,[\"room_message\",\"one\"]", await client.ReceiveTextAsync());
            Assert.Equal("42/demo,[\"room_message\",\"two\"]", await client.ReceiveTextAsync());
        }
        // The second leaves: only the first still gets room messages.
        await second.SendTextAsync("42/demo,6[\"leave\",\"r\"]");
        Assert.Equal("43/demo,6[\"left\"]", await second.ReceiveTextAsync());
        await second.SendTextAsync("42/demo,[\"to_room\",\"r\",\"three\"]");
        Assert.Equal("42/demo,[\"room_message\",\"three\"]", await first.ReceiveTextAsync());
        await second.SendTextAsync("42/demo,7[\"echo\",\"nothing before me\"]");
        Assert.Equal("43/demo,7[\"nothing before me\"]", await second.ReceiveTextAsync());
    }
}
