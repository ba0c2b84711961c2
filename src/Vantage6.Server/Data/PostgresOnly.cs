using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Npgsql.NameTranslation;
using NpgsqlTypes;
using Vantage6.Common;

namespace Vantage6.Server.Data;

/// <summary>
/// Every use of the PostgreSQL provider's own types, kept in one class that only PostgreSQL code paths
/// call. Why apart: the runtime loads an assembly when it compiles a method that names one of its types,
/// so a SQLite server that never calls in here never loads Npgsql and its EF Core provider.
/// </summary>
internal static class PostgresOnly
{
    // One shared instance: EF Core compares options by value, so a new translator per server would make it
    // build a new internal service provider for every server in a process.
    private static readonly NpgsqlNullNameTranslator KeepNames = new();

    public static void UseNpgsql(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(connectionString, n =>
        {
            n.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter);
            n.MapEnum<Operation>("operation", nameTranslator: KeepNames);
            n.MapEnum<Scope>("scope", nameTranslator: KeepNames);
        });

    /// <summary>Connections opened before the enum types existed do not know them yet.</summary>
    public static Task ReloadTypesAsync(DbConnection connection, CancellationToken ct) =>
        connection is NpgsqlConnection npgsql ? npgsql.ReloadTypesAsync(ct) : Task.CompletedTask;

    /// <summary>A naive timestamp parameter, as the reference's columns store datetimes.</summary>
    public static DbParameter Timestamp(DateTime utc) =>
        new NpgsqlParameter { Value = DateTime.SpecifyKind(utc, DateTimeKind.Unspecified), NpgsqlDbType = NpgsqlDbType.Timestamp };

    /// <summary>
    /// A session advisory lock on its own unpooled connection (closing it ends the session and so releases
    /// the lock): the connection while the lock is held, null when another session holds it.
    /// </summary>
    public static async Task<DbConnection?> TryAdvisoryLockAsync(string connectionString, long key, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        try
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({key})", connection);
            if (await command.ExecuteScalarAsync(ct) is true) return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }
}
