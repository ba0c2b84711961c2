using System.Security.Cryptography;
using System.Text;

namespace Vantage6.Common.Encryption;

/// <summary>Organization RSA keys: generation, PEM files and the base64 <c>public_key</c> field of the API.</summary>
public static class RsaKeys
{
    /// <summary>Key size of newly generated organization keys.</summary>
    public const int DefaultKeySize = 4096;

    /// <summary>A new key pair (public exponent 65537).</summary>
    public static RSA Generate(int keySize = DefaultKeySize) => RSA.Create(keySize);

    /// <summary>The private key as a PKCS#1 PEM (<c>-----BEGIN RSA PRIVATE KEY-----</c>), as the Python tools write it.</summary>
    public static string ToPrivateKeyPem(RSA key) => key.ExportRSAPrivateKeyPem().ReplaceLineEndings("\n") + "\n";

    /// <summary>A new organization key (RSA-4096) as a PKCS#1 PEM.</summary>
    public static string NewPrivateKeyPem()
    {
        using var key = Generate();
        return ToPrivateKeyPem(key);
    }

    /// <summary>Reads a private key from PEM text (PKCS#1 or PKCS#8).</summary>
    public static RSA FromPrivateKeyPem(string pem)
    {
        var key = RSA.Create();
        try { key.ImportFromPem(pem); }
        catch (ArgumentException e)
        {
            key.Dispose();
            throw new CryptographicException("The text is not an unencrypted RSA private key in PEM format.", e);
        }
        return key;
    }

    /// <summary>Reads a private key from a PEM file.</summary>
    public static RSA LoadPrivateKey(string path) => FromPrivateKeyPem(File.ReadAllText(path));

    /// <summary>
    /// The SubjectPublicKeyInfo PEM exactly as the Python components render it: 64-character lines,
    /// LF line breaks and a trailing LF (§3.2), so that the uploaded key compares byte for byte.
    /// </summary>
    public static string PublicKeyPem(RSA key) => key.ExportSubjectPublicKeyInfoPem().ReplaceLineEndings("\n").TrimEnd('\n') + "\n";

    /// <summary>The organization <c>public_key</c> field: base64 of <see cref="PublicKeyPem"/>.</summary>
    public static string PublicKeyField(RSA key) => Convert.ToBase64String(Encoding.ASCII.GetBytes(PublicKeyPem(key)));

    /// <summary>Reads an organization's <c>public_key</c> field (base64 of a PEM) into a public key.</summary>
    public static RSA FromPublicKeyField(string field)
    {
        string pem;
        try { pem = Encoding.ASCII.GetString(Convert.FromBase64String(field)); }
        catch (FormatException e) { throw new CryptographicException("The public key field is not valid base64.", e); }
        var key = RSA.Create();
        try { key.ImportFromPem(pem); }
        catch (ArgumentException e)
        {
            key.Dispose();
            throw new CryptographicException("The public key field does not hold a PEM public key.", e);
        }
        return key;
    }
}
