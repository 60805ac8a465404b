<#
.SYNOPSIS
  Installs one server's certificate from the xprotect-certs stack outputs on that XProtect server.

.DESCRIPTION
  Reads the JSON of `pulumi stack output --json --show-secrets` (contract version 1, see
  stacks/outputs.schema.json) and, for the server named by -Server:
    1. trusts the site CA in LocalMachine\Root;
    2. imports the server's PFX into LocalMachine\My;
    3. lets the role's service account read the private key (CNG key under
       ProgramData\Microsoft\Crypto\Keys, or CAPI key under ...\Crypto\RSA\MachineKeys);
    4. runs the Server Configurator command line of each encryption slot.
  Across a site, run it on servers in ascending `enableOrder` (event server, then management server,
  then recording servers), as the vendor advises. Run elevated. -WhatIf shows what it would do.

.EXAMPLE
  npm run pulumi -- stack output --json --show-secrets --stack example > outputs.json
  .\Install-XProtectCertificate.ps1 -OutputsFile .\outputs.json -Server rec01
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [Parameter(Mandatory = $true)] [string] $OutputsFile,
  [Parameter(Mandatory = $true)] [string] $Server,
  [string] $ServerConfigurator = "$env:ProgramFiles\Milestone\Server Configurator\ServerConfigurator.exe"
)
$ErrorActionPreference = 'Stop'

$o = Get-Content -Raw -LiteralPath $OutputsFile | ConvertFrom-Json
if ($o.contractVersion -ne 1) { throw "Outputs contract version $($o.contractVersion) is not 1: use the installer of that version." }
$srv = $o.servers.$Server
if (-not $srv) { throw "No server '$Server' in the outputs. Servers: $($o.servers.PSObject.Properties.Name -join ', ')" }
if ($o.pfx -eq '[secret]') { throw "The outputs hide secrets: export them with --show-secrets." }
$pfxBase64 = $o.pfx.$Server
$password = ConvertTo-SecureString -String $o.pfxPasswords.$Server -AsPlainText -Force

# 1. Trust the site CA.
$caFile = Join-Path $env:TEMP "xprotect-ca-$($o.caThumbprint).cer"
[IO.File]::WriteAllBytes($caFile, [Convert]::FromBase64String($o.caCertificateDer))
if (-not (Test-Path "Cert:\LocalMachine\Root\$($o.caThumbprint)") -and $PSCmdlet.ShouldProcess('LocalMachine\Root', "trust CA $($o.caThumbprint)")) {
  Import-Certificate -FilePath $caFile -CertStoreLocation Cert:\LocalMachine\Root | Out-Null
}

# 2. Import the PFX (key not exportable).
$pfxFile = Join-Path $env:TEMP "xprotect-$Server.pfx"
[IO.File]::WriteAllBytes($pfxFile, [Convert]::FromBase64String($pfxBase64))
try {
  if ($PSCmdlet.ShouldProcess('LocalMachine\My', "import certificate $($srv.thumbprint) for $($srv.hostname)")) {
    Import-PfxCertificate -FilePath $pfxFile -CertStoreLocation Cert:\LocalMachine\My -Password $password | Out-Null
  }
} finally {
  Remove-Item -LiteralPath $pfxFile -Force -ErrorAction SilentlyContinue
}
$cert = Get-Item "Cert:\LocalMachine\My\$($srv.thumbprint)" -ErrorAction SilentlyContinue
if (-not $cert -and -not $WhatIfPreference) { throw "Certificate $($srv.thumbprint) is not in LocalMachine\My after the import." }

# 3. Let the service account read the private key.
if ($cert) {
  $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
  if ($key -is [System.Security.Cryptography.RSACng]) {
    $keyFile = Join-Path $env:ProgramData "Microsoft\Crypto\Keys\$($key.Key.UniqueName)"
  } else {
    $keyFile = Join-Path $env:ProgramData "Microsoft\Crypto\RSA\MachineKeys\$($key.CspKeyContainerInfo.UniqueKeyContainerName)"
  }
  if ($PSCmdlet.ShouldProcess($keyFile, "grant Read to $($srv.serviceAccount) ($($srv.serviceName))")) {
    $acl = Get-Acl -LiteralPath $keyFile
    $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($srv.serviceAccount, 'Read', 'Allow')
    $acl.AddAccessRule($rule)
    Set-Acl -LiteralPath $keyFile -AclObject $acl
  }
}

# 4. Switch encryption on, slot by slot, with the commands the stack computed.
$exitMeaning = @{ '0' = 'ok'; '-1' = 'unknown error'; '-2' = 'invalid arguments'; '-3' = 'invalid argument value'; '-4' = 'another instance is running' }
foreach ($slot in $srv.slots) {
  $arguments = $slot.command -replace '^ServerConfigurator\.exe\s+', ''
  if ($PSCmdlet.ShouldProcess("$($srv.role) slot $($slot.slot) ($($slot.groupId))", "ServerConfigurator $arguments")) {
    $p = Start-Process -FilePath $ServerConfigurator -ArgumentList $arguments -Wait -PassThru -NoNewWindow
    if ($p.ExitCode -ne 0) { throw "Server Configurator failed for slot $($slot.slot): exit $($p.ExitCode) ($($exitMeaning["$($p.ExitCode)"]))" }
  }
}
Write-Host "$Server ($($srv.role), $($srv.hostname)): certificate $($srv.thumbprint) valid until $($srv.notAfter) is installed and bound."
