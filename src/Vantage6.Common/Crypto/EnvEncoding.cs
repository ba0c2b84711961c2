using System.Text;

namespace Vantage6.Common.Crypto;

/// <summary>
/// The encoding of environment variables handed to algorithms (node-protocol §5.2): UTF-8, base32 (RFC 4648,
/// padded), every <c>=</c> replaced by <c>!</c>.
/// </summary>
public static class EnvEncoding
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Encode(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var sb = new StringBuilder((bytes.Length + 4) / 5 * 8);
        for (var i = 0; i < bytes.Length; i += 5)
        {
            var n = Math.Min(5, bytes.Length - i);
            ulong buffer = 0;
            for (var j = 0; j < 5; j++) buffer = (buffer << 8) | (j < n ? bytes[i + j] : 0u);
            var chars = (n * 8 + 4) / 5;
            for (var j = 0; j < 8; j++)
                sb.Append(j < chars ? Alphabet[(int)((buffer >> (35 - j * 5)) & 31)] : '!');
        }
        return sb.ToString();
    }

    public static string Decode(string value)
    {
        var text = value.Replace('!', '=').TrimEnd('=');
        var output = new List<byte>();
        ulong buffer = 0;
        var bits = 0;
        foreach (var c in text)
        {
            var v = Alphabet.IndexOf(c);
            if (v < 0) throw new FormatException("Not base32");
            buffer = (buffer << 5) | (uint)v;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                output.Add((byte)((buffer >> bits) & 0xff));
            }
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }
}
