#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
  Trusts the XProtect site's root CAs on a client computer (Smart Client, Management Client, integrations).

.DESCRIPTION
  Trusts in LocalMachine\Root exactly the roots given as ca-<thumbprint>.cer files in this script's folder
  (npm run bundle -- --clients writes them), and marks each with the friendly name
  "xprotect-certs site root: <CN>". A second run changes nothing and says so.

  With -RemoveRetired it also removes the roots marked so that are no longer listed (a root retired after a
  root rotation). A root without that mark is never removed, whoever made it. -WhatIf writes nothing.

.PARAMETER Path
  The folder holding the ca-<thumbprint>.cer files. Default: this script's folder.

.PARAMETER RemoveRetired
  Remove roots marked as site roots that are not among the listed ones.

.EXAMPLE
  .\Install-XProtectRootCertificates.ps1 -WhatIf
  .\Install-XProtectRootCertificates.ps1 -RemoveRetired
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [string] $Path = $PSScriptRoot,
  [switch] $RemoveRetired
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

$RootMarker = 'xprotect-certs site root'
$changes = 0

function Open-RootStore([string] $Mode) {
  $store = New-Object System.Security.Cryptography.X509Certificates.X509Store('Root', 'LocalMachine')
  $store.Open($Mode)
  return $store
}

$files = @(Get-ChildItem -LiteralPath $Path -Filter 'ca-*.cer' -File)
if ($files.Count -eq 0) { throw "No ca-<thumbprint>.cer in ${Path}: run the script from the clients folder of a bundle, or give -Path." }

$listed = @()
foreach ($file in $files) {
  $root = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(, [IO.File]::ReadAllBytes($file.FullName))
  if ($file.Name -ne "ca-$($root.Thumbprint).cer") { throw "$($file.Name) holds certificate $($root.Thumbprint): the kit was changed; make it again (npm run bundle -- --clients)." }
  if ($root.HasPrivateKey) { throw "$($file.Name) holds a private key: a client kit must not; make it again." }
  $listed += $root.Thumbprint
  $label = "${RootMarker}: $($root.GetNameInfo('SimpleName', $false))"
  $store = Open-RootStore 'ReadOnly'
  $present = @($store.Certificates.Find('FindByThumbprint', $root.Thumbprint, $false))
  $store.Close()
  if ($present.Count -eq 0) {
    if ($PSCmdlet.ShouldProcess('LocalMachine\Root', "trust root $($root.Thumbprint) ($($root.Subject), until $($root.NotAfter.ToString('u')))")) {
      $root.FriendlyName = $label
      $store = Open-RootStore 'ReadWrite'
      $store.Add($root)
      $store.Close()
      $changes++
      Write-Host "  trusted root $($root.Thumbprint) ($($root.Subject))"
    }
  } elseif (-not ($present[0].FriendlyName -like "$RootMarker*")) {
    if ($PSCmdlet.ShouldProcess("LocalMachine\Root\$($root.Thumbprint)", "mark as a site root (friendly name '$label')")) {
      $store = Open-RootStore 'ReadWrite'
      $store.Certificates.Find('FindByThumbprint', $root.Thumbprint, $false)[0].FriendlyName = $label
      $store.Close()
      $changes++
      Write-Host "  root $($root.Thumbprint) was trusted already; marked as a site root"
    }
  } else {
    Write-Host "  root $($root.Thumbprint) trusted already"
  }
}

if ($RemoveRetired) {
  $store = Open-RootStore 'ReadOnly'
  $retired = @($store.Certificates | Where-Object { $_.FriendlyName -like "$RootMarker*" -and $listed -notcontains $_.Thumbprint })
  $store.Close()
  foreach ($old in $retired) {
    if ($PSCmdlet.ShouldProcess("LocalMachine\Root\$($old.Thumbprint)", "remove retired site root ($($old.Subject), until $($old.NotAfter.ToString('u')))")) {
      $store = Open-RootStore 'ReadWrite'
      $store.Remove($old)
      $store.Close()
      $changes++
      Write-Host "  removed retired root $($old.Thumbprint) ($($old.Subject))"
    }
  }
}

if ($WhatIfPreference) {
  Write-Host '-WhatIf: nothing was changed.'
} elseif ($changes -eq 0) {
  Write-Host "Nothing changed: the $($listed.Count) site root(s) are trusted."
} else {
  Write-Host "$changes change(s) made: the $($listed.Count) site root(s) are trusted."
}
