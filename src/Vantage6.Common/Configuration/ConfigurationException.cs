namespace Vantage6.Common.Configuration;

/// <summary>A configuration file that cannot be used; the message names file, key and expectation.</summary>
public sealed class ConfigurationException(string message) : Exception(message)
{
    public static ConfigurationException ForKey(string file, string key, string expected) =>
        new($"Invalid configuration '{file}': key '{key}' {expected}");
}
