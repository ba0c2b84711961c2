namespace Vantage6.Server.Data.Entities;

public class Organization
{
    public int Id { get; set; }
    public string? Name { get; set; }
    public string? Domain { get; set; }
    public string? Address1 { get; set; }
    public string? Address2 { get; set; }
    public string? Zipcode { get; set; }
    public string? Country { get; set; }
    /// <summary>Raw PEM bytes (column <c>_public_key</c>); the API shows them base64-encoded.</summary>
    public byte[]? PublicKey { get; set; }
}
