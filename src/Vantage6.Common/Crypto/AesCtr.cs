using System.Security.Cryptography;

namespace Vantage6.Common.Crypto;

/// <summary>
/// AES-256 in CTR mode with a full-width 128-bit big-endian counter (OpenSSL semantics), as
/// node-protocol §3.3/§3.8 describe. Encryption and decryption are the same operation; an instance keeps
/// its counter and unused keystream between calls, so a stream can be processed chunk by chunk.
/// </summary>
public sealed class AesCtr : IDisposable
{
    private readonly Aes _aes;
    private readonly byte[] _counter;
    private readonly byte[] _keystream = new byte[16];
    private int _used = 16;

    public AesCtr(byte[] key, byte[] iv)
    {
        if (key.Length != 32) throw new CryptographicException("AES-256 needs a 32-byte key");
        if (iv.Length != 16) throw new CryptographicException("AES-CTR needs a 16-byte initial counter block");
        _aes = Aes.Create();
        _aes.Key = key;
        _counter = (byte[])iv.Clone();
    }

    /// <summary>XORs <paramref name="data"/> in place with the next keystream bytes.</summary>
    public void Transform(Span<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            if (_used == 16)
            {
                _aes.EncryptEcb(_counter, _keystream, PaddingMode.None);
                Increment(_counter);
                _used = 0;
            }
            data[i] ^= _keystream[_used++];
        }
    }

    public static byte[] Apply(byte[] key, byte[] iv, ReadOnlySpan<byte> data)
    {
        using var ctr = new AesCtr(key, iv);
        var output = data.ToArray();
        ctr.Transform(output);
        return output;
    }

    private static void Increment(byte[] counter)
    {
        for (var i = counter.Length - 1; i >= 0; i--)
            if (++counter[i] != 0) return;
    }

    public void Dispose() => _aes.Dispose();
}
