using System.Security.Cryptography;

namespace Vantage6.Common.Encryption;

/// <summary>
/// AES-256 in CTR mode with a full-width 128-bit big-endian counter (OpenSSL semantics), as used by
/// vantage6 payload encryption. Encryption and decryption are the same operation. One instance keeps
/// its counter and unused keystream between calls, so a stream can be processed chunk by chunk.
/// </summary>
public sealed class AesCtr : IDisposable
{
    private readonly Aes _aes;
    private readonly byte[] _counter = new byte[16];
    private readonly byte[] _keystream = new byte[16];
    private int _used = 16;

    /// <summary>Starts a keystream for a 32-byte key and the 16-byte initial counter block.</summary>
    public AesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (key.Length != 32) throw new CryptographicException($"AES-256 needs a 32-byte key, got {key.Length} bytes.");
        if (iv.Length != 16) throw new CryptographicException($"AES-CTR needs a 16-byte counter block, got {iv.Length} bytes.");
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
        iv.CopyTo(_counter);
    }

    /// <summary>XORs <paramref name="input"/> with the next keystream bytes into <paramref name="output"/> (same length).</summary>
    public void Transform(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (output.Length < input.Length) throw new ArgumentException("Output is shorter than input.", nameof(output));
        for (int i = 0; i < input.Length; i++)
        {
            if (_used == 16) NextBlock();
            output[i] = (byte)(input[i] ^ _keystream[_used++]);
        }
    }

    /// <summary>Encrypts or decrypts a whole buffer in one go.</summary>
    public static byte[] Transform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> data)
    {
        using var ctr = new AesCtr(key, iv);
        var result = new byte[data.Length];
        ctr.Transform(data, result);
        return result;
    }

    private void NextBlock()
    {
        _aes.EncryptEcb(_counter, _keystream, PaddingMode.None);
        for (int i = 15; i >= 0; i--)
            if (++_counter[i] != 0) break;
        _used = 0;
    }

    /// <summary>Releases the AES instance.</summary>
    public void Dispose() => _aes.Dispose();
}
